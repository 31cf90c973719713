/*
 * auth.h - Basic auth against htpasswd files (auth.c): "$apr1$" and
 * "$1$" (md5-crypt), bcrypt "$2y$"/"$2b$"/"$2a$" up to a cost of
 * HTPASSWD_BCRYPT_COST_MAX, and "{SHA}" entries
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>

struct htpasswd;	/* opaque */
/*
 * Called, if set, with one line for each line of a file that no
 * password can match (its scheme, form or bcrypt cost; a line that is
 * not user:hash), each time the file is loaded: "htpasswd <path> line
 * <n>: user <user>: <why>; ...".  Never given a hash or a password.
 */
void htpasswd_set_warn(void (*warn)(const char *msg));
/*
 * Load path (made absolute by the caller; copied): a regular file of at
 * most HTPASSWD_MAX_SIZE bytes.  Returns NULL with err filled (file.h's
 * ew_file_error words) if it cannot be read.  Free with htpasswd_free.
 */
struct htpasswd *htpasswd_open(const char *path, char *err, size_t errlen);
void htpasswd_free(struct htpasswd *);
/*
 * Check an Authorization header value (value, len): "Basic <b64>",
 * scheme case-insensitive.  Returns 1 if user:password matches the
 * user's last entry, 0 otherwise (missing/bad header, unknown user, wrong
 * password, an entry that never matches, user or password of CRED_MAX
 * bytes or more, or the file could not be re-read).  Re-reads the file
 * first when it changed (identity, size, mtime or ctime; or it was read
 * within HTPASSWD_RACY_MS of a change); a read failure fails this check.
 * A changed file that a writer holds flock()ed is read once the lock is
 * gone, or after HTPASSWD_LOCK_MS regardless; meanwhile the last table
 * serves.  Never blocks on I/O; a bcrypt entry costs CPU (2^cost key
 * schedules, cost at most HTPASSWD_BCRYPT_COST_MAX), and so does an
 * unknown user, checked against another entry so that timing does not
 * tell who exists.  value need not be NUL-terminated.
 */
int htpasswd_check(struct htpasswd *, const char *value, size_t len);
/* Build "Basic base64(user:pass)" into out (NUL-terminated); returns the
 * length, or -1 if it does not fit (or user/pass reach CRED_MAX). */
long basic_auth_header(char *out, size_t cap, const char *user,
    const char *pass);

#endif /* AUTH_H */
