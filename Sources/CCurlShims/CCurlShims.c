#include "CCurlShims.h"
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

CURLcode CCurlShims_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
CURLcode CCurlShims_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
CURLcode CCurlShims_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
CURLcode CCurlShims_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
CURLcode CCurlShims_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
CURLcode CCurlShims_setopt_write_callback(CURL *h, CURLoption o, curl_write_callback v) { return curl_easy_setopt(h, o, v); }
CURLcode CCurlShims_setopt_xferinfo_callback(CURL *h, curl_xferinfo_callback v) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v); }
CURLcode CCurlShims_setopt_header_callback(CURL *h, curl_write_callback v) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, v); }
CURLcode CCurlShims_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
CURLcode CCurlShims_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
CURLcode CCurlShims_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }

char *CCurlShims_server_certificate_pem(CURL *h) {
    struct curl_certinfo *info = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || info->num_of_certs < 1) return NULL;
    for (struct curl_slist *item = info->certinfo[0]; item; item = item->next) {
        if (strncmp(item->data, "Cert:", 5) == 0) return strdup(item->data + 5);
    }
    return NULL;
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;
static void global_init(void) { global_result = curl_global_init(CURL_GLOBAL_ALL); }
CURLcode CCurlShims_global_init_once(void) {
    pthread_once(&global_once, global_init);
    return global_result;
}
const curl_version_info_data *CCurlShims_version_info(void) { return curl_version_info(CURLVERSION_NOW); }
unsigned long CCurlShims_auth_basic(void) { return CURLAUTH_BASIC; }
unsigned long CCurlShims_auth_ntlm(void) { return CURLAUTH_NTLM; }
unsigned long CCurlShims_auth_negotiate(void) { return CURLAUTH_NEGOTIATE; }

