/*
 * log.c - the "etherws" logger: levels as in Python's logging, lines
 * "%(levelname)s:%(name)s:%(message)s" on stderr (the original's
 * default), or syslog.  Codecs never log; connection owners do.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "etherws.h"

int		 log_level = EW_LOG_INFO;
static int	 log_to_syslog;
static int	 log_off;

void
log_open_syslog(void)
{
	openlog("etherws", LOG_PID, LOG_DAEMON);
	log_to_syslog = 1;
}

void
log_disable(void)
{
	log_off = 1;
}

static const char *
log_levelname(int level)
{
	if (level >= EW_LOG_ERROR)
		return "ERROR";
	if (level >= EW_LOG_WARNING)
		return "WARNING";
	if (level >= EW_LOG_INFO)
		return "INFO";
	return "DEBUG";
}

static int
log_prio(int level)
{
	if (level >= EW_LOG_ERROR)
		return LOG_ERR;
	if (level >= EW_LOG_WARNING)
		return LOG_WARNING;
	if (level >= EW_LOG_INFO)
		return LOG_INFO;
	return LOG_DEBUG;
}

void
log_msg(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level < log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_to_syslog)
		syslog(log_prio(level), "%s", msg);
	else if (!log_off)
		fprintf(stderr, "%s:etherws:%s\n", log_levelname(level), msg);
}
