/*
 * metrics.h - the switch's numbers in the Prometheus text exposition
 * format, version 0.0.4 (metrics.c): what GET /metrics on the control
 * endpoint answers (serve.c routes it to ctlsrv.c, which applies the
 * control endpoint's checks).
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>

#define METRICS_PATH	"/metrics"
#define METRICS_CTYPE	"text/plain; version=0.0.4; charset=utf-8"

/* The exposition as it is now: a malloc'd body of *len bytes, or NULL
 * when out of memory or over METRICS_MAX. */
char *metrics_text(size_t *len);

#endif /* METRICS_H */
