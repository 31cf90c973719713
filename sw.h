/*
 * sw.h - the sw sub-command (sw.c): the switch daemon.
 */
#ifndef SW_H
#define SW_H

/* Runs the daemon: an exit status (2 for usage errors). */
int sw_main(int argc, char **argv);

#endif /* SW_H */
