#ifndef CCURLSHIMS_H
#define CCURLSHIMS_H
#include <curl/curl.h>

/* curl_easy_setopt / curl_easy_getinfo are variadic: Swift cannot call them. One typed wrapper per argument kind. */
CURLcode CCurlShims_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode CCurlShims_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode CCurlShims_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode CCurlShims_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode CCurlShims_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode CCurlShims_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value);
CURLcode CCurlShims_setopt_xferinfo_callback(CURL *handle, curl_xferinfo_callback value);
CURLcode CCurlShims_setopt_header_callback(CURL *handle, curl_write_callback value);
CURLcode CCurlShims_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode CCurlShims_getinfo_string(CURL *handle, CURLINFO info, char **value);
CURLcode CCurlShims_getinfo_double(CURL *handle, CURLINFO info, double *value);

/* The server's (first) certificate in PEM from the last transfer's CURLINFO_CERTINFO (needs CURLOPT_CERTINFO and a
   fresh TLS handshake). malloc'd; NULL when libcurl has none. */
char *CCurlShims_server_certificate_pem(CURL *handle);

/* curl_global_init exactly once per process (thread-safe). Returns the init result. */
CURLcode CCurlShims_global_init_once(void);
/* curl_version_info(CURLVERSION_NOW): the macro does not import. */
const curl_version_info_data *CCurlShims_version_info(void);

/* CURLAUTH_* are macros with casts: not imported. */
unsigned long CCurlShims_auth_basic(void);
unsigned long CCurlShims_auth_ntlm(void);
unsigned long CCurlShims_auth_negotiate(void);

#endif
