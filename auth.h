/*
 * auth.h - Basic auth against htpasswd {SHA} files (auth.c)
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>

struct htpasswd;	/* opaque */
/*
 * Load path (made absolute by the caller; copied): a regular file of at
 * most HTPASSWD_MAX_SIZE bytes.  Returns NULL with err filled (util.h's
 * ew_file_error words) if it cannot be read.  Free with htpasswd_free.
 */
struct htpasswd *htpasswd_open(const char *path, char *err, size_t errlen);
void htpasswd_free(struct htpasswd *);
/*
 * Check an Authorization header value (value, len): "Basic <b64>",
 * scheme case-insensitive.  Returns 1 if user:password matches a {SHA}
 * entry, 0 otherwise (missing/bad header, unknown user, wrong password,
 * user or password of CRED_MAX bytes or more, or the file could not be
 * re-read).  Re-reads the file first when it changed (identity, size,
 * mtime or ctime; or it was read within HTPASSWD_RACY_MS of a change);
 * a read failure fails this check.  A changed file that a writer holds
 * flock()ed is read once the lock is gone, or after HTPASSWD_LOCK_MS
 * regardless; meanwhile the last table serves.  Never blocks.  value
 * need not be NUL-terminated.
 */
int htpasswd_check(struct htpasswd *, const char *value, size_t len);
/* Build "Basic base64(user:pass)" into out (NUL-terminated); returns the
 * length, or -1 if it does not fit (or user/pass reach CRED_MAX). */
long basic_auth_header(char *out, size_t cap, const char *user,
    const char *pass);

#endif /* AUTH_H */
