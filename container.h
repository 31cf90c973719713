/*
 * container.h - container_of: the struct that holds a member, from a
 * pointer to the member (an ev_watcher, ev_timer or ev_grave embedded
 * in a module's own struct, handed back by loop.c).
 */
#ifndef CONTAINER_H
#define CONTAINER_H

#include <stddef.h>

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

#endif /* CONTAINER_H */
