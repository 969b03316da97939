#include "CGSSShims.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5/krb5.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct CGSS_Credential {
    gss_cred_id_t handle;
};

struct CGSS_Context {
    gss_ctx_id_t handle;
    gss_cred_id_t credential; /* borrowed */
    gss_name_t target;        /* initiator only */
    int acceptor;
    int complete;
    struct gss_channel_bindings_struct bindings;
    unsigned char *bindings_data;
    int use_bindings;
    int mechanism;
    int owns_credential;
};

static gss_OID_desc spnego_oid = {6, "\x2b\x06\x01\x05\x05\x02"};
static gss_OID_desc krb5_oid = {9, "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
static gss_OID_desc ntlm_oid = {10, "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

static void set_status(CGSS_Status *status, OM_uint32 major, OM_uint32 minor, const char *call) {
    if (status) {
        status->major = major;
        status->minor = minor;
        status->call = call;
        status->detail[0] = 0;
    }
}

/* GSS-API reports a keytab that yields no ticket as "no credentials"; ask Kerberos itself why (the KDC unreachable,
   an unknown principal, no key in the keytab, clock skew). */
static void explain_keytab(const char *principal, const char *client_keytab, CGSS_Status *status) {
    krb5_context context = NULL;
    krb5_principal client = NULL;
    krb5_keytab keytab = NULL;
    krb5_creds creds;
    memset(&creds, 0, sizeof creds);
    if (krb5_init_context(&context) != 0) return;
    krb5_error_code code = krb5_parse_name(context, principal, &client);
    if (code == 0) code = krb5_kt_resolve(context, client_keytab, &keytab);
    if (code == 0) code = krb5_get_init_creds_keytab(context, &creds, client, keytab, 0, NULL, NULL);
    if (code != 0 && status) {
        const char *text = krb5_get_error_message(context, code);
        snprintf(status->detail, sizeof status->detail, "%s", text ? text : "unknown Kerberos error");
        krb5_free_error_message(context, text);
    }
    if (code == 0) krb5_free_cred_contents(context, &creds);
    if (keytab) krb5_kt_close(context, keytab);
    if (client) krb5_free_principal(context, client);
    krb5_free_context(context);
}

static int copy_out(CGSS_Bytes *out, const void *data, size_t length) {
    out->data = NULL;
    out->length = 0;
    if (length == 0) return 0;
    out->data = malloc(length);
    if (!out->data) return -1;
    memcpy(out->data, data, length);
    out->length = length;
    return 0;
}

void CGSS_bytes_free(CGSS_Bytes *bytes) {
    if (bytes && bytes->data) {
        free(bytes->data);
        bytes->data = NULL;
        bytes->length = 0;
    }
}

static int mechanism_of(gss_OID oid) {
    if (oid == GSS_C_NO_OID) return CGSS_MECH_UNKNOWN;
    if (oid->length == krb5_oid.length && memcmp(oid->elements, krb5_oid.elements, krb5_oid.length) == 0)
        return CGSS_MECH_KERBEROS;
    if (oid->length == ntlm_oid.length && memcmp(oid->elements, ntlm_oid.elements, ntlm_oid.length) == 0)
        return CGSS_MECH_NTLM;
    return CGSS_MECH_UNKNOWN;
}

static CGSS_Credential *wrap_credential(gss_cred_id_t handle, CGSS_Status *status) {
    OM_uint32 minor;
    CGSS_Credential *credential = calloc(1, sizeof *credential);
    if (!credential) {
        gss_release_cred(&minor, &handle);
        set_status(status, GSS_S_FAILURE, 0, "calloc");
        return NULL;
    }
    credential->handle = handle;
    set_status(status, GSS_S_COMPLETE, 0, "");
    return credential;
}

CGSS_Credential *CGSS_credential_from_keytab(const char *principal, const char *client_keytab, const char *ccache,
                                             CGSS_Status *status) {
    OM_uint32 major, minor = 0;
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc text = {strlen(principal), (void *)principal};
    major = gss_import_name(&minor, &text, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
    if (GSS_ERROR(major)) {
        set_status(status, major, minor, "gss_import_name");
        return NULL;
    }
    gss_key_value_element_desc elements[2] = {{"client_keytab", client_keytab}, {"ccache", ccache}};
    gss_key_value_set_desc store = {2, elements};
    gss_OID_set_desc mechs = {1, &krb5_oid};
    gss_cred_id_t krb5_cred = GSS_C_NO_CREDENTIAL;
    major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &store, &krb5_cred, NULL,
                                  NULL);
    if (GSS_ERROR(major)) {
        gss_release_name(&minor, &name);
        set_status(status, major, minor, "gss_acquire_cred_from");
        explain_keytab(principal, client_keytab, status);
        return NULL;
    }
    gss_release_cred(&minor, &krb5_cred);
    /* The same store through SPNEGO, so the credential drives a Negotiate handshake. */
    gss_OID_set_desc spnego = {1, &spnego_oid};
    gss_cred_id_t handle = GSS_C_NO_CREDENTIAL;
    major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &spnego, GSS_C_INITIATE, &store, &handle, NULL,
                                  NULL);
    gss_release_name(&minor, &name);
    if (GSS_ERROR(major)) {
        set_status(status, major, minor, "gss_acquire_cred_from");
        return NULL;
    }
    return wrap_credential(handle, status);
}

CGSS_Credential *CGSS_credential_from_password(const char *user, const char *password, CGSS_Status *status) {
    OM_uint32 major, minor = 0;
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc text = {strlen(user), (void *)user};
    major = gss_import_name(&minor, &text, GSS_C_NT_USER_NAME, &name);
    if (GSS_ERROR(major)) {
        set_status(status, major, minor, "gss_import_name");
        return NULL;
    }
    gss_key_value_element_desc element = {"ntlmssp_password", password};
    gss_key_value_set_desc store = {1, &element};
    gss_OID_set_desc spnego = {1, &spnego_oid};
    gss_cred_id_t handle = GSS_C_NO_CREDENTIAL;
    major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &spnego, GSS_C_INITIATE, &store, &handle, NULL, NULL);
    gss_release_name(&minor, &name);
    if (GSS_ERROR(major)) {
        set_status(status, major, minor, "gss_acquire_cred_from");
        return NULL;
    }
    return wrap_credential(handle, status);
}

CGSS_Credential *CGSS_acceptor_credential(const char *keytab, CGSS_Status *status) {
    OM_uint32 major, minor = 0;
    gss_OID_set_desc spnego = {1, &spnego_oid};
    gss_cred_id_t handle = GSS_C_NO_CREDENTIAL;
    /* No credential store: gss-ntlmssp turns any store into a client credential. The keytab is registered for the
       process instead, and NTLM users come from NTLM_USER_FILE. */
    if (keytab) {
        major = gsskrb5_register_acceptor_identity(keytab);
        if (GSS_ERROR(major)) {
            set_status(status, major, 0, "gsskrb5_register_acceptor_identity");
            return NULL;
        }
    }
    /* Every mechanism, not SPNEGO alone: Windows also accepts a bare NTLMSSP token under "Negotiate" (requests-ntlm,
       pywinrm's ntlm transport, send one), and MIT's mechglue recognises such tokens. */
    (void)spnego;
    major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET, GSS_C_ACCEPT, &handle, NULL,
                             NULL);
    if (GSS_ERROR(major)) {
        set_status(status, major, minor, "gss_acquire_cred");
        return NULL;
    }
    return wrap_credential(handle, status);
}

uint32_t CGSS_credential_lifetime(CGSS_Credential *credential) {
    OM_uint32 minor, lifetime = 0;
    if (!credential) return 0;
    if (GSS_ERROR(gss_inquire_cred(&minor, credential->handle, NULL, &lifetime, NULL, NULL))) return 0;
    return lifetime;
}

static char *display_name(gss_name_t name) {
    OM_uint32 minor;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    if (name == GSS_C_NO_NAME || GSS_ERROR(gss_display_name(&minor, name, &text, NULL))) return NULL;
    char *result = strndup(text.value, text.length);
    gss_release_buffer(&minor, &text);
    return result;
}

char *CGSS_credential_name(CGSS_Credential *credential) {
    OM_uint32 minor;
    gss_name_t name = GSS_C_NO_NAME;
    if (!credential || GSS_ERROR(gss_inquire_cred(&minor, credential->handle, &name, NULL, NULL, NULL))) return NULL;
    char *result = display_name(name);
    gss_release_name(&minor, &name);
    return result;
}

void CGSS_credential_free(CGSS_Credential *credential) {
    OM_uint32 minor;
    if (!credential) return;
    gss_release_cred(&minor, &credential->handle);
    free(credential);
}

CGSS_Context *CGSS_initiator_new(const char *service_host, CGSS_Credential *credential, const unsigned char *bindings,
                                 size_t bindings_length, int mechanism, CGSS_Status *status) {
    OM_uint32 major, minor = 0;
    CGSS_Context *context = calloc(1, sizeof *context);
    if (!context) {
        set_status(status, GSS_S_FAILURE, 0, "calloc");
        return NULL;
    }
    context->handle = GSS_C_NO_CONTEXT;
    context->credential = credential ? credential->handle : GSS_C_NO_CREDENTIAL;
    gss_buffer_desc text = {strlen(service_host), (void *)service_host};
    major = gss_import_name(&minor, &text, GSS_C_NT_HOSTBASED_SERVICE, &context->target);
    if (GSS_ERROR(major)) {
        set_status(status, major, minor, "gss_import_name");
        free(context);
        return NULL;
    }
    if (bindings && bindings_length > 0) {
        context->bindings_data = malloc(bindings_length);
        if (!context->bindings_data) {
            CGSS_context_free(context);
            return NULL;
        }
        memcpy(context->bindings_data, bindings, bindings_length);
        memset(&context->bindings, 0, sizeof context->bindings);
        context->bindings.application_data.length = bindings_length;
        context->bindings.application_data.value = context->bindings_data;
        context->use_bindings = 1;
    }
    if (mechanism != 0 && context->credential == GSS_C_NO_CREDENTIAL) {
        /* Only this mechanism inside SPNEGO: a default credential limited with gss_set_neg_mechs. */
        gss_cred_id_t handle = GSS_C_NO_CREDENTIAL;
        gss_OID_set_desc spnego = {1, &spnego_oid};
        major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &spnego, GSS_C_INITIATE, &handle, NULL, NULL);
        if (GSS_ERROR(major)) {
            set_status(status, major, minor, "gss_acquire_cred");
            CGSS_context_free(context);
            return NULL;
        }
        gss_OID_set_desc only = {1, mechanism == CGSS_MECH_KERBEROS ? &krb5_oid : &ntlm_oid};
        major = gss_set_neg_mechs(&minor, handle, &only);
        if (GSS_ERROR(major)) {
            gss_release_cred(&minor, &handle);
            set_status(status, major, minor, "gss_set_neg_mechs");
            CGSS_context_free(context);
            return NULL;
        }
        context->credential = handle;
        context->owns_credential = 1;
    }
    set_status(status, GSS_S_COMPLETE, 0, "");
    return context;
}

int CGSS_acceptor_set_bindings(CGSS_Context *context, const unsigned char *bindings, size_t bindings_length) {
    if (!context || !context->acceptor || !bindings || bindings_length == 0) return -1;
    unsigned char *copy = malloc(bindings_length);
    if (!copy) return -1;
    memcpy(copy, bindings, bindings_length);
    free(context->bindings_data);
    context->bindings_data = copy;
    memset(&context->bindings, 0, sizeof context->bindings);
    context->bindings.application_data.length = bindings_length;
    context->bindings.application_data.value = copy;
    context->use_bindings = 1;
    return 0;
}

int CGSS_tls_server_end_point(const char *pem, size_t pem_length, unsigned char *out, size_t out_capacity) {
    static const char prefix[] = "tls-server-end-point:";
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_length);
    if (!bio) return -1;
    X509 *certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (!certificate) return -1;
    /* RFC 5929 §4.1: the signature's hash, except MD5 and SHA-1, which become SHA-256. */
    int digest_nid = NID_sha256, key_nid = 0;
    if (OBJ_find_sigid_algs(X509_get_signature_nid(certificate), &digest_nid, &key_nid) == 0 ||
        digest_nid == NID_md5 || digest_nid == NID_sha1 || digest_nid == NID_undef)
        digest_nid = NID_sha256;
    const EVP_MD *digest = EVP_get_digestbynid(digest_nid);
    if (!digest) digest = EVP_sha256();
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int hash_length = 0;
    int ok = X509_digest(certificate, digest, hash, &hash_length);
    X509_free(certificate);
    size_t total = sizeof prefix - 1 + hash_length;
    if (!ok || total > out_capacity) return -1;
    memcpy(out, prefix, sizeof prefix - 1);
    memcpy(out + sizeof prefix - 1, hash, hash_length);
    return (int)total;
}

CGSS_Context *CGSS_acceptor_new(CGSS_Credential *credential) {
    CGSS_Context *context = calloc(1, sizeof *context);
    if (!context) return NULL;
    context->handle = GSS_C_NO_CONTEXT;
    context->credential = credential ? credential->handle : GSS_C_NO_CREDENTIAL;
    context->acceptor = 1;
    return context;
}

int CGSS_step(CGSS_Context *context, const unsigned char *input, size_t input_length, CGSS_Bytes *output,
              CGSS_Status *status) {
    OM_uint32 major, minor = 0;
    gss_buffer_desc in = {input_length, (void *)input};
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    gss_OID mech = GSS_C_NO_OID;
    output->data = NULL;
    output->length = 0;
    if (context->acceptor) {
        major = gss_accept_sec_context(&minor, &context->handle, context->credential, &in,
                                       context->use_bindings ? &context->bindings : GSS_C_NO_CHANNEL_BINDINGS, NULL,
                                       &mech, &out, NULL, NULL, NULL);
        set_status(status, major, minor, "gss_accept_sec_context");
    } else {
        OM_uint32 flags = GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG |
                          GSS_C_INTEG_FLAG;
        major = gss_init_sec_context(&minor, context->credential, &context->handle, context->target, &spnego_oid,
                                     flags, GSS_C_INDEFINITE,
                                     context->use_bindings ? &context->bindings : GSS_C_NO_CHANNEL_BINDINGS,
                                     input_length ? &in : GSS_C_NO_BUFFER, &mech, &out, NULL, NULL);
        set_status(status, major, minor, "gss_init_sec_context");
    }
    if (out.length > 0) {
        if (copy_out(output, out.value, out.length) != 0) {
            gss_release_buffer(&minor, &out);
            set_status(status, GSS_S_FAILURE, 0, "malloc");
            return CGSS_STEP_ERROR;
        }
    }
    gss_release_buffer(&minor, &out);
    if (GSS_ERROR(major)) return CGSS_STEP_ERROR;
    if (major & GSS_S_CONTINUE_NEEDED) return CGSS_STEP_CONTINUE;
    context->complete = 1;
    /* The negotiated mechanism (SPNEGO hands back the real one once complete). */
    gss_OID actual = GSS_C_NO_OID;
    if (!GSS_ERROR(gss_inquire_context(&minor, context->handle, NULL, NULL, NULL, &actual, NULL, NULL, NULL)))
        context->mechanism = mechanism_of(actual);
    else
        context->mechanism = mechanism_of(mech);
    return CGSS_STEP_COMPLETE;
}

int CGSS_mechanism(CGSS_Context *context) { return context->complete ? context->mechanism : CGSS_MECH_UNKNOWN; }

char *CGSS_peer_name(CGSS_Context *context) {
    OM_uint32 minor;
    gss_name_t name = GSS_C_NO_NAME;
    if (!context->complete) return NULL;
    /* Ask for one name only: gss-ntlmssp's acceptor crashes when asked for a target name it does not have. */
    OM_uint32 major = context->acceptor
                          ? gss_inquire_context(&minor, context->handle, &name, NULL, NULL, NULL, NULL, NULL, NULL)
                          : gss_inquire_context(&minor, context->handle, NULL, &name, NULL, NULL, NULL, NULL, NULL);
    if (GSS_ERROR(major)) return NULL;
    char *result = display_name(name);
    gss_release_name(&minor, &name);
    return result;
}

uint32_t CGSS_context_lifetime(CGSS_Context *context) {
    OM_uint32 minor, lifetime = 0;
    if (!context->complete || GSS_ERROR(gss_context_time(&minor, context->handle, &lifetime))) return 0;
    return lifetime;
}

int CGSS_wrap(CGSS_Context *context, const unsigned char *data, size_t length, CGSS_Bytes *header, CGSS_Bytes *sealed,
              CGSS_Status *status) {
    OM_uint32 major, minor = 0;
    int confidential = 0;
    header->data = sealed->data = NULL;
    header->length = sealed->length = 0;
    if (context->mechanism == CGSS_MECH_NTLM) {
        /* gss-ntlmssp has no IOV wrap; its token is the 16-byte signature followed by the sealed data. */
        gss_buffer_desc in = {length, (void *)data}, out = GSS_C_EMPTY_BUFFER;
        major = gss_wrap(&minor, context->handle, 1, GSS_C_QOP_DEFAULT, &in, &confidential, &out);
        if (GSS_ERROR(major) || !confidential || out.length < 16) {
            gss_release_buffer(&minor, &out);
            set_status(status, GSS_ERROR(major) ? major : GSS_S_FAILURE, minor, "gss_wrap");
            return -1;
        }
        int failed = copy_out(header, out.value, 16) || copy_out(sealed, (unsigned char *)out.value + 16, out.length - 16);
        gss_release_buffer(&minor, &out);
        if (failed) {
            CGSS_bytes_free(header);
            CGSS_bytes_free(sealed);
            set_status(status, GSS_S_FAILURE, 0, "malloc");
            return -1;
        }
        set_status(status, GSS_S_COMPLETE, 0, "");
        return 0;
    }
    unsigned char *copy = malloc(length ? length : 1);
    if (!copy) {
        set_status(status, GSS_S_FAILURE, 0, "malloc");
        return -1;
    }
    memcpy(copy, data, length);
    gss_iov_buffer_desc iov[3];
    memset(iov, 0, sizeof iov);
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.value = copy;
    iov[1].buffer.length = length;
    iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    major = gss_wrap_iov(&minor, context->handle, 1, GSS_C_QOP_DEFAULT, &confidential, iov, 3);
    if (GSS_ERROR(major) || !confidential) {
        gss_release_iov_buffer(&minor, iov, 3);
        free(copy);
        set_status(status, GSS_ERROR(major) ? major : GSS_S_FAILURE, minor, "gss_wrap_iov");
        return -1;
    }
    int failed = copy_out(header, iov[0].buffer.value, iov[0].buffer.length);
    size_t padding = iov[2].buffer.length;
    if (!failed) {
        sealed->length = length + padding;
        sealed->data = malloc(sealed->length ? sealed->length : 1);
        failed = sealed->data == NULL;
        if (!failed) {
            memcpy(sealed->data, copy, length);
            if (padding) memcpy(sealed->data + length, iov[2].buffer.value, padding);
        }
    }
    gss_release_iov_buffer(&minor, iov, 3);
    free(copy);
    if (failed) {
        CGSS_bytes_free(header);
        CGSS_bytes_free(sealed);
        set_status(status, GSS_S_FAILURE, 0, "malloc");
        return -1;
    }
    set_status(status, GSS_S_COMPLETE, 0, "");
    return 0;
}

int CGSS_unwrap(CGSS_Context *context, const unsigned char *header, size_t header_length, const unsigned char *sealed,
                size_t sealed_length, CGSS_Bytes *plain, CGSS_Status *status) {
    OM_uint32 major, minor = 0;
    int confidential = 0;
    plain->data = NULL;
    plain->length = 0;
    size_t total = header_length + sealed_length;
    unsigned char *token = malloc(total ? total : 1);
    if (!token) {
        set_status(status, GSS_S_FAILURE, 0, "malloc");
        return -1;
    }
    memcpy(token, header, header_length);
    memcpy(token + header_length, sealed, sealed_length);
    if (context->mechanism == CGSS_MECH_NTLM) {
        gss_buffer_desc in = {total, token}, out = GSS_C_EMPTY_BUFFER;
        major = gss_unwrap(&minor, context->handle, &in, &out, &confidential, NULL);
        free(token);
        if (GSS_ERROR(major) || !confidential) {
            gss_release_buffer(&minor, &out);
            set_status(status, GSS_ERROR(major) ? major : GSS_S_BAD_SIG, minor, "gss_unwrap");
            return -1;
        }
        int failed = copy_out(plain, out.value, out.length);
        gss_release_buffer(&minor, &out);
        set_status(status, failed ? GSS_S_FAILURE : GSS_S_COMPLETE, 0, failed ? "malloc" : "");
        return failed ? -1 : 0;
    }
    /* Kerberos: header and data are one stream token (the header may be rotated, RRC); MIT decrypts it in place. */
    gss_iov_buffer_desc iov[2];
    memset(iov, 0, sizeof iov);
    iov[0].type = GSS_IOV_BUFFER_TYPE_STREAM;
    iov[0].buffer.value = token;
    iov[0].buffer.length = total;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    major = gss_unwrap_iov(&minor, context->handle, &confidential, NULL, iov, 2);
    if (GSS_ERROR(major) || !confidential) {
        free(token);
        set_status(status, GSS_ERROR(major) ? major : GSS_S_BAD_SIG, minor, "gss_unwrap_iov");
        return -1;
    }
    int failed = copy_out(plain, iov[1].buffer.value, iov[1].buffer.length);
    free(token);
    set_status(status, failed ? GSS_S_FAILURE : GSS_S_COMPLETE, 0, failed ? "malloc" : "");
    return failed ? -1 : 0;
}

static void append_text(char **result, size_t *length, OM_uint32 code, int type, gss_OID mech) {
    OM_uint32 minor, context = 0;
    do {
        gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
        if (GSS_ERROR(gss_display_status(&minor, code, type, mech, &context, &text))) break;
        size_t add = text.length + 2;
        char *grown = realloc(*result, *length + add + 1);
        if (!grown) {
            gss_release_buffer(&minor, &text);
            break;
        }
        *result = grown;
        if (*length > 0) {
            memcpy(*result + *length, "; ", 2);
            *length += 2;
        }
        memcpy(*result + *length, text.value, text.length);
        *length += text.length;
        (*result)[*length] = 0;
        gss_release_buffer(&minor, &text);
    } while (context != 0);
}

char *CGSS_status_text(CGSS_Status status) {
    char *result = NULL;
    size_t length = 0;
    if (GSS_ERROR(status.major)) append_text(&result, &length, status.major, GSS_C_GSS_CODE, GSS_C_NO_OID);
    if (status.minor != 0) append_text(&result, &length, status.minor, GSS_C_MECH_CODE, GSS_C_NO_OID);
    if (!result) result = strdup(status.major == 0 ? "no error" : "unknown GSS-API error");
    return result;
}

int CGSS_classify(CGSS_Status status) {
    switch ((krb5_error_code)status.minor) {
    case KRB5_FCC_NOFILE:
    case KRB5_CC_NOTFOUND:
    case KRB5_CC_NOSUPP:
        return CGSS_PROBLEM_NO_CREDENTIALS;
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
    case KRB5KDC_ERR_TGT_REVOKED:
        return CGSS_PROBLEM_EXPIRED;
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
        return CGSS_PROBLEM_UNKNOWN_SERVICE;
    case KRB5KRB_AP_ERR_SKEW:
        return CGSS_PROBLEM_CLOCK_SKEW;
    case KRB5_KDC_UNREACH:
    case KRB5_REALM_CANT_RESOLVE:
    case KRB5_REALM_UNKNOWN:
        return CGSS_PROBLEM_KDC_UNREACHABLE;
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        return CGSS_PROBLEM_UNKNOWN_CLIENT;
    case KRB5_KT_NOTFOUND:
    case KRB5_KT_END:
    case KRB5_KT_NOWRITE:
    case KRB5_KT_BADNAME:
    case KRB5_KT_KVNONOTFOUND:
        return CGSS_PROBLEM_KEYTAB;
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
    case KRB5KRB_AP_ERR_MODIFIED:
        return CGSS_PROBLEM_INTEGRITY;
    default:
        break;
    }
    if (GSS_ROUTINE_ERROR(status.major) == GSS_S_CREDENTIALS_EXPIRED ||
        GSS_ROUTINE_ERROR(status.major) == GSS_S_CONTEXT_EXPIRED)
        return CGSS_PROBLEM_EXPIRED;
    if (GSS_ROUTINE_ERROR(status.major) == GSS_S_NO_CRED) return CGSS_PROBLEM_NO_CREDENTIALS;
    if (GSS_ROUTINE_ERROR(status.major) == GSS_S_BAD_SIG || GSS_ROUTINE_ERROR(status.major) == GSS_S_DEFECTIVE_TOKEN)
        return CGSS_PROBLEM_INTEGRITY;
    if (GSS_ROUTINE_ERROR(status.major) == GSS_S_BAD_NAME || GSS_ROUTINE_ERROR(status.major) == GSS_S_BAD_NAMETYPE)
        return CGSS_PROBLEM_BAD_NAME;
    return CGSS_PROBLEM_OTHER;
}

void CGSS_context_free(CGSS_Context *context) {
    OM_uint32 minor;
    if (!context) return;
    if (context->handle != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context->handle, GSS_C_NO_BUFFER);
    if (context->target != GSS_C_NO_NAME) gss_release_name(&minor, &context->target);
    if (context->owns_credential) gss_release_cred(&minor, &context->credential);
    free(context->bindings_data);
    free(context);
}
