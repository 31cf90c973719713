/*
 * sys.h - what the system gives (sys.c): the clock, randomness,
 * signals, the fatal stop, the machine's memory
 */
#ifndef SYS_H
#define SYS_H

#include <stddef.h>
#include <stdint.h>

/* signal(sig, fn), by sigaction. */
void ew_signal(int sig, void (*fn)(int));
/* "etherws: <what>: <strerror(errno)>" on stderr, then a trap (core). */
void ew_fatal(const char *what) __attribute__((noreturn));
/* Fill buf with len unpredictable bytes (getrandom, /dev/urandom). */
void ew_random(void *buf, size_t len);
/* Monotonic milliseconds. */
uint64_t ew_now_ms(void);

/* The wall-clock time of monotonic instant ms (ew_now_ms()) as
 * "2026-12-03T11:30:00Z" (UTC) into buf (at least 21 bytes). */
void ew_iso_time(uint64_t ms, char *buf, size_t cap);

/* The default --maxmem for ram bytes of physical memory (0: unknown)
 * where size_t goes up to size_max: 1/MAXMEM_RAM_SHARE of it, at least
 * MAXMEM_FLOOR, at most MAXMEM_CAP (MAXMEM_CAP_32 with a 32-bit
 * size_t). */
unsigned long long ew_maxmem_default(unsigned long long ram,
    unsigned long long size_max);
/* The physical memory, bytes (sysconf); 0 if unknown. */
unsigned long long ew_ram_bytes(void);

#endif /* SYS_H */
