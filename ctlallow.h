/*
 * ctlallow.h - which local users may drive the control endpoint
 * (ctlallow.c): root, the switch's own user, and whom --ctlallow names.
 */
#ifndef CTLALLOW_H
#define CTLALLOW_H

#include <stddef.h>
#include <stdint.h>

/*
 * The --ctlallow list (spec NULL: nobody more): comma-separated users
 * and @groups, by name or number.  Names are looked up now, once, in
 * /etc/passwd and /etc/group (no NSS: the static build has none); a
 * group stands for its members and for the users whose primary group
 * it is, as those files say at start-up.  0, or an exit status with
 * err set: 1 a file cannot be read, 2 the list is invalid (a name not
 * found, an empty item, more than CTLALLOW_MAX users).
 */
int ctlallow_init(const char *spec, char *err, size_t errlen);
/*
 * sw --user NAME (privdrop.c): the uid and primary gid /etc/passwd gives
 * the user name or number NAME (no NSS, as above).  0, or an exit status
 * with err set: 1 the file cannot be read, 2 no such user.
 */
int accounts_user(const char *name, uint32_t *uid, uint32_t *gid, char *err,
    size_t errlen);
/* 1 if uid may use the control endpoint, else 0. */
int ctlallow_uid(uint32_t uid);

#endif /* CTLALLOW_H */
