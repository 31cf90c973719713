/*
 * errtext.h - errno texts in glibc's (and so Python's) words
 * (errtext.c)
 */
#ifndef ERRTEXT_H
#define ERRTEXT_H

/* strerror. */
const char *ew_strerror(int e);
/* ew_strerror for an open with O_NOFOLLOW, where ELOOP means the name
 * is a symbolic link, refused where root writes. */
const char *ew_nofollow_strerror(int e);

#endif /* ERRTEXT_H */
