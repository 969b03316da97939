#ifndef CGSSSHIMS_H
#define CGSSSHIMS_H
#include <stddef.h>
#include <stdint.h>

/* A small, typed face over MIT GSS-API for WinRM: SPNEGO (Kerberos, or NTLM through gss-ntlmssp) contexts for the
   initiator (the agent) and the acceptor (winrm-fixture), WinRM's wrap/unwrap split into header and sealed data, and
   the status texts. Every buffer handed out is malloc'd: release it with CGSS_bytes_free. */

typedef struct CGSS_Context CGSS_Context;
typedef struct CGSS_Credential CGSS_Credential;

typedef struct {
    uint32_t major;
    uint32_t minor;
    /* Which call failed ("gss_init_sec_context", …); static storage. */
    const char *call;
    /* Kerberos' own explanation when GSS-API hides it (e.g. why a keytab gave no ticket); empty otherwise. */
    char detail[256];
} CGSS_Status;

typedef struct {
    unsigned char *data;
    size_t length;
} CGSS_Bytes;

enum { CGSS_MECH_UNKNOWN = 0, CGSS_MECH_KERBEROS = 1, CGSS_MECH_NTLM = 2 };
enum { CGSS_STEP_ERROR = -1, CGSS_STEP_COMPLETE = 0, CGSS_STEP_CONTINUE = 1 };

void CGSS_bytes_free(CGSS_Bytes *bytes);

/* Initiator credentials from a client keytab for `principal` (`user@REALM`), tickets kept in `ccache` (e.g.
   "MEMORY:hyperv-agent"); MIT refreshes them from the keytab before they expire. NULL + status on failure. */
CGSS_Credential *CGSS_credential_from_keytab(const char *principal, const char *client_keytab, const char *ccache,
                                             CGSS_Status *status);
/* Initiator credentials for NTLM inside SPNEGO from a user (`DOMAIN\\user`, `user@domain` or `user`) and password held
   in memory (gss-ntlmssp's `ntlmssp_password` credential store key): no file, no environment variable. */
CGSS_Credential *CGSS_credential_from_password(const char *user, const char *password, CGSS_Status *status);
/* Acceptor credentials: Kerberos keys from `keytab` (registered for the whole process; NULL: KRB5_KTNAME or the
   default keytab); NTLM users (`DOMAIN:user:password`
   lines) come from the file NTLM_USER_FILE names (without it NTLM is not offered). */
CGSS_Credential *CGSS_acceptor_credential(const char *keytab, CGSS_Status *status);
/* Seconds the credential stays valid (0 when expired or unknown), and its principal (malloc'd, NULL if none). */
uint32_t CGSS_credential_lifetime(CGSS_Credential *credential);
char *CGSS_credential_name(CGSS_Credential *credential);
void CGSS_credential_free(CGSS_Credential *credential);

/* A SPNEGO initiator for service `HTTP@host` (`service_host`). `credential` NULL = the default (ticket cache,
   NTLM_USER_FILE). `bindings` (may be NULL) is the channel bindings' application data
   ("tls-server-end-point:" + certificate hash). `mechanism` restricts SPNEGO: 0 = any, else one CGSS_MECH_*. */
CGSS_Context *CGSS_initiator_new(const char *service_host, CGSS_Credential *credential, const unsigned char *bindings,
                                 size_t bindings_length, int mechanism, CGSS_Status *status);
/* A SPNEGO acceptor; `credential` NULL = default. */
CGSS_Context *CGSS_acceptor_new(CGSS_Credential *credential);
/* The channel bindings' application data the acceptor expects (a host with CbtHardeningLevel=Strict). */
int CGSS_acceptor_set_bindings(CGSS_Context *context, const unsigned char *bindings, size_t bindings_length);

/* RFC 5929 tls-server-end-point channel bindings for a PEM certificate: "tls-server-end-point:" followed by the
   certificate's hash (SHA-256, or the certificate's own signature hash when that is stronger). Returns the length
   written to `out` (at least 21 + 64 bytes), or -1. */
int CGSS_tls_server_end_point(const char *pem, size_t pem_length, unsigned char *out, size_t out_capacity);

/* One handshake step: feed the peer's token (may be empty), get the token to send (may be empty). */
int CGSS_step(CGSS_Context *context, const unsigned char *input, size_t input_length, CGSS_Bytes *output,
              CGSS_Status *status);
/* After completion: the negotiated mechanism, and (acceptor) the client's name, malloc'd. */
int CGSS_mechanism(CGSS_Context *context);
char *CGSS_peer_name(CGSS_Context *context);
/* Seconds the established context stays valid. */
uint32_t CGSS_context_lifetime(CGSS_Context *context);

/* Seal `data` as WinRM wants it: `header` (NTLM: the 16-byte signature; Kerberos: the IOV header) and `sealed` (the
   encrypted data, Kerberos padding appended). Returns 0, or -1 + status. */
int CGSS_wrap(CGSS_Context *context, const unsigned char *data, size_t length, CGSS_Bytes *header, CGSS_Bytes *sealed,
              CGSS_Status *status);
/* The reverse; fails (-1) when the signature does not verify or the data was not sealed. */
int CGSS_unwrap(CGSS_Context *context, const unsigned char *header, size_t header_length, const unsigned char *sealed,
                size_t sealed_length, CGSS_Bytes *plain, CGSS_Status *status);

/* "major text: minor text" for a status (malloc'd). */
char *CGSS_status_text(CGSS_Status status);
/* What a failure means, from the MIT minor codes (krb5 error table values are macros Swift does not import). */
enum {
    CGSS_PROBLEM_OTHER = 0,
    CGSS_PROBLEM_NO_CREDENTIALS = 1,  /* no ticket cache / no usable credential */
    CGSS_PROBLEM_EXPIRED = 2,         /* the ticket or the context expired */
    CGSS_PROBLEM_UNKNOWN_SERVICE = 3, /* the KDC does not know HTTP/host */
    CGSS_PROBLEM_CLOCK_SKEW = 4,
    CGSS_PROBLEM_KDC_UNREACHABLE = 5,
    CGSS_PROBLEM_UNKNOWN_CLIENT = 6,  /* the KDC does not know the client principal */
    CGSS_PROBLEM_KEYTAB = 7,          /* keytab missing, unreadable or without the key */
    CGSS_PROBLEM_INTEGRITY = 8,       /* a token or a sealed message that does not verify */
    CGSS_PROBLEM_BAD_NAME = 9
};
int CGSS_classify(CGSS_Status status);

void CGSS_context_free(CGSS_Context *context);
#endif
