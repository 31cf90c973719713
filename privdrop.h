/*
 * privdrop.h - sw --user (privdrop.c): once the switch has opened what
 * it needs at start, it runs as an unprivileged user with only the
 * network capabilities, no_new_privs and a seccomp filter of the system
 * calls it makes (docs/security.md says what that leaves an attacker).
 */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <stddef.h>

/*
 * --user NAME (a name in /etc/passwd or a number): looked up now, at
 * start-up, as root, and checked that this build can confine the
 * process on this CPU.  0, or an exit status with err set (2: no such
 * user or no filter for this architecture, 1: /etc/passwd unreadable).
 */
int privdrop_init(const char *user, char *err, size_t errlen);
/*
 * After the start-up opens (listeners, pid file, log, --config ports):
 * to the user's uid and gid (no supplementary groups), keeping
 * CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE and no other
 * capability (bounding set included), no_new_privs, then the seccomp
 * filter: a call outside it writes one CRITICAL line and kills the
 * process with SIGSYS.  Does nothing without privdrop_init.  0, or -1
 * with err set (the switch must then not run).
 */
int privdrop_apply(char *err, size_t errlen);
/*
 * The test build (compiled with -DEW_TESTING, tests/etherws-testing):
 * with EW_TEST_SECCOMP set in its environment it makes a forbidden call
 * (execve) here, which sw.c reaches on SIGHUP.  Does nothing in the
 * shipped binary.
 */
void privdrop_selftest(void);

#endif /* PRIVDROP_H */
