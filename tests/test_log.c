/*
 * test_log.c - the logger: the --logconf fileConfig subset (every
 * handler class, formats with widths, datefmt, root fallback, levels),
 * the exact refusals, line rendering, SIGHUP reopen, and the rate
 * limiter on an injected clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bytes.h"
#include "defs.h"
#include "log.h"
#include "sys.h"
#include "t.h"

static char	 dir[64];
static char	 err[1024];
static uint64_t	 fake_now;

static uint64_t
fake_clock(void)
{
	return fake_now;
}

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* The whole file, or "" if it does not exist. */
static const char *
slurp(const char *path)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY)) < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Loads text as a logconf file; returns log_config_file's status. */
static int
lconf(const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/log.conf", dir);
	put_file(path, text);
	err[0] = '\0';
	return log_config_file(path, err, sizeof(err));
}

#define CONF_FMT \
	"[loggers]\nkeys=root,etherws\n\n" \
	"[handlers]\nkeys=h\n\n" \
	"[formatters]\nkeys=f\n\n" \
	"[logger_root]\nlevel=WARNING\nhandlers=\n\n" \
	"[logger_etherws]\nlevel=%s\nhandlers=h\nqualname=etherws\n" \
	"propagate=0\n\n" \
	"[handler_h]\nclass=%s\nargs=%s\nformatter=f\n%s\n" \
	"[formatter_f]\nformat=%s\n%s"

/* One etherws logger, one handler, one formatter. */
static int
lconf1(const char *level, const char *cls, const char *args,
    const char *hextra, const char *fmt, const char *fextra)
{
	char text[4096];

	snprintf(text, sizeof(text), CONF_FMT, level, cls, args, hextra, fmt,
	    fextra);
	return lconf(text);
}

/* A FileHandler on dir/name with format fmt, logger level INFO. */
static int
lconf_file(const char *name, const char *fmt)
{
	char args[256];

	snprintf(args, sizeof(args), "('%s/%s',)", dir, name);
	return lconf1("INFO", "FileHandler", args, "", fmt, "");
}

static const char *
path_of(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static int
refused(const char *text, int want_rc, const char *want)
{
	int rc = lconf(text);

	if (rc != want_rc || strcmp(err, want) != 0) {
		fprintf(stderr, "  got %d \"%s\"\n  want %d \"%s\"\n", rc, err,
		    want_rc, want);
		return 0;
	}
	return 1;
}

static int
refused1(const char *level, const char *cls, const char *args,
    const char *hextra, const char *fmt, const char *want)
{
	char text[4096];

	snprintf(text, sizeof(text), CONF_FMT, level, cls, args, hextra, fmt,
	    "");
	return refused(text, 2, want);
}

static void
test_render_default(void)
{
	char buf[256];

	log_render(buf, sizeof(buf), EW_LOG_INFO, "connected: 127.0.0.1", 0, 0);
	CHECK(strcmp(buf, "INFO:etherws:connected: 127.0.0.1") == 0);
	log_render(buf, sizeof(buf), EW_LOG_WARNING, "x", 0, 0);
	CHECK(strcmp(buf, "WARNING:etherws:x") == 0);
	log_render(buf, sizeof(buf), EW_LOG_CRITICAL, "x", 0, 0);
	CHECK(strcmp(buf, "CRITICAL:etherws:x") == 0);
	log_render(buf, sizeof(buf), 35, "x", 0, 0);
	CHECK(strcmp(buf, "Level 35:etherws:x") == 0);
	/* Truncation keeps a terminated string inside cap. */
	CHECK(log_render(buf, 6, EW_LOG_INFO, "abc", 0, 0) == 5);
	CHECK(strcmp(buf, "INFO:") == 0);
	CHECK(log_level == EW_LOG_INFO);
}

static void
test_render_formats(void)
{
	char buf[512];
	time_t t = 365 * 86400 + 3661;	/* 1971-01-01 01:01:01 UTC */

	CHECK(lconf1("INFO", "StreamHandler", "(sys.stderr,)", "",
	    "[%(levelname)-8s][%(levelname)8s][%(levelname).3s]"
	    "[%(message)6.2s][%(name)s][%(message)05s]%%", "") == 0);
	log_render(buf, sizeof(buf), EW_LOG_INFO, "hello", 0, 0);
	CHECK(strcmp(buf, "[INFO    ][    INFO][INF][    he][etherws]"
	    "[hello]%") == 0);

	CHECK(lconf1("INFO", "StreamHandler", "()", "",
	    "%(asctime)s %(levelname)s %(name)s %(message)s", "") == 0);
	log_render(buf, sizeof(buf), EW_LOG_WARNING, "m", t, 7);
	CHECK(strcmp(buf, "1971-01-01 01:01:01,007 WARNING etherws m") == 0);
	/* Past 2038: a 32-bit time_t (glibc on 32-bit CPUs without
	 * _TIME_BITS=64) wraps this to 1904. */
	{
		long long y2041 = 2240611200LL;	/* 2041-01-01 00:00:00 UTC */

		log_render(buf, sizeof(buf), EW_LOG_WARNING, "m",
		    (time_t)y2041, 0);
		CHECK(strcmp(buf, "2041-01-01 00:00:00,000 WARNING etherws m")
		    == 0);
	}

	CHECK(lconf1("INFO", "StreamHandler", "()", "",
	    "%(asctime)-20s|%(message)s", "datefmt=%d/%m/%Y %H.%M\n") == 0);
	log_render(buf, sizeof(buf), EW_LOG_INFO, "m", t, 7);
	CHECK(strcmp(buf, "01/01/1971 01.01    |m") == 0);

	/* An empty format or no formatter: Python's "%(message)s". */
	CHECK(lconf1("INFO", "StreamHandler", "()", "", "", "") == 0);
	log_render(buf, sizeof(buf), EW_LOG_INFO, "bare", t, 7);
	CHECK(strcmp(buf, "bare") == 0);
	CHECK(lconf("[loggers]\nkeys=root\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nlevel=INFO\nhandlers=h\n"
	    "[handler_h]\nclass=StreamHandler\n") == 0);
	log_render(buf, sizeof(buf), EW_LOG_INFO, "bare", t, 7);
	CHECK(strcmp(buf, "bare") == 0);
	CHECK(log_level == EW_LOG_INFO);
}

/* Runs log_msg with fds 1 and 2 sent to files; returns what came on
 * fd (1 or 2). */
static const char *
capture(int fd, int level, const char *msg)
{
	int save[3], f, i;

	for (i = 1; i <= 2; i++) {
		f = open(path_of(i == 1 ? "cap1" : "cap2"),
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
		save[i] = dup(i);
		dup2(f, i);
		close(f);
	}
	log_msg(level, "%s", msg);
	for (i = 1; i <= 2; i++) {
		dup2(save[i], i);
		close(save[i]);
	}
	return slurp(path_of(fd == 1 ? "cap1" : "cap2"));
}

static void
test_stream(void)
{
	CHECK(lconf1("INFO", "StreamHandler", "(sys.stderr,)", "",
	    "%(levelname)s %(name)s: %(message)s", "") == 0);
	CHECK(strcmp(capture(2, EW_LOG_INFO, "to stderr"),
	    "INFO etherws: to stderr\n") == 0);
	CHECK(strcmp(capture(1, EW_LOG_INFO, "x"), "") == 0);
	CHECK(strcmp(capture(2, EW_LOG_DEBUG, "filtered"), "") == 0);

	CHECK(lconf1("INFO", "logging.StreamHandler", "(sys.stdout, )", "",
	    "%(message)s", "") == 0);
	CHECK(strcmp(capture(1, EW_LOG_ERROR, "to stdout"),
	    "to stdout\n") == 0);
	CHECK(strcmp(capture(2, EW_LOG_ERROR, "x"), "") == 0);
	/* A peer's control bytes cannot start a line of their own. */
	CHECK(strcmp(capture(1, EW_LOG_ERROR, "a\nINFO:etherws:b\r\x1b\x7f\tc"),
	    "a\\x0aINFO:etherws:b\\x0d\\x1b\\x7f\tc\n") == 0);
	/* Nor bytes that are not UTF-8 (a proxy's reason phrase): each
	 * byte of an invalid sequence escaped, valid UTF-8 as it is. */
	CHECK(strcmp(capture(1, EW_LOG_ERROR, "CONNECT failed: 403 Forbidd"
	    "\xff\xfe\x80" "en \xc3\xa9 \xc0\xaf \xed\xa0\x80 \xe2\x82"),
	    "CONNECT failed: 403 Forbidd\\xff\\xfe\\x80" "en \xc3\xa9 "
	    "\\xc0\\xaf \\xed\\xa0\\x80 \\xe2\\x82\n") == 0);
	{
		/* Escaping grows a line fourfold: it is cut at a whole
		 * escape, within LOG_MSG_MAX. */
		char big[LOG_MSG_MAX];
		const char *s;

		memset(big, 0xff, sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		s = capture(1, EW_LOG_ERROR, big);
		CHECK(strlen(s) == (LOG_MSG_MAX - 1) / 4 * 4 + 1);
		CHECK(strncmp(s, "\\xff\\xff", 8) == 0 &&
		    strcmp(s + strlen(s) - 5, "\\xff\n") == 0);
	}
}

static void
test_file(void)
{
	const char *s;
	char cwd[512], args[256];
	size_t i;

	CHECK(lconf_file("a.log", "%(asctime)s %(levelname)s %(name)s "
	    "%(message)s") == 0);
	log_msg(EW_LOG_INFO, "connected: %s", "ws://10.0.0.1/");
	log_msg(EW_LOG_DEBUG, "not at INFO");
	s = slurp(path_of("a.log"));
	CHECK(count_lines(s) == 1);
	CHECK(strlen(s) == strlen("2024-01-01 00:00:00,000 INFO etherws "
	    "connected: ws://10.0.0.1/\n"));
	for (i = 0; i < 23; i++)
		CHECK(i == 4 || i == 7 ? s[i] == '-' : i == 10 ? s[i] == ' ' :
		    i == 13 || i == 16 ? s[i] == ':' : i == 19 ? s[i] == ',' :
		    ew_isdigit((unsigned char)s[i]));
	CHECK(strcmp(s + 23, " INFO etherws connected: ws://10.0.0.1/\n") == 0);

	/* Mode 'a' appends, 'w' truncates at start. */
	put_file(path_of("m.log"), "old\n");
	snprintf(args, sizeof(args), "('%s', 'a')", path_of("m.log"));
	CHECK(lconf1("INFO", "FileHandler", args, "", "%(message)s", "") == 0);
	log_msg(EW_LOG_INFO, "new");
	CHECK(strcmp(slurp(path_of("m.log")), "old\nnew\n") == 0);
	snprintf(args, sizeof(args), "(\"%s\", \"w\")", path_of("m.log"));
	CHECK(lconf1("INFO", "logging.FileHandler", args, "", "%(message)s",
	    "") == 0);
	CHECK(strcmp(slurp(path_of("m.log")), "") == 0);
	log_msg(EW_LOG_INFO, "fresh");
	CHECK(strcmp(slurp(path_of("m.log")), "fresh\n") == 0);

	/* A relative name is taken from the directory at start. */
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(chdir(dir) == 0);
	CHECK(lconf1("INFO", "FileHandler", "('rel.log',)", "", "%(message)s",
	    "") == 0);
	CHECK(chdir("/") == 0);
	log_msg(EW_LOG_INFO, "relative");
	log_reopen();
	log_msg(EW_LOG_INFO, "again");
	CHECK(strcmp(slurp(path_of("rel.log")), "relative\nagain\n") == 0);
	CHECK(chdir(cwd) == 0);

	/* "%%" is configparser's escape for '%' outside format. */
	snprintf(args, sizeof(args), "('%s/p%%%%.log',)", dir);
	CHECK(lconf1("INFO", "FileHandler", args, "", "%(message)s", "") == 0);
	log_msg(EW_LOG_INFO, "percent");
	CHECK(strcmp(slurp(path_of("p%.log")), "percent\n") == 0);

	/* A long message is cut, the line still ends. */
	{
		char big[3 * LOG_MSG_MAX];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK(lconf_file("big.log", "%(levelname)s %(message)s") == 0);
		log_msg(EW_LOG_ERROR, "%s", big);
		s = slurp(path_of("big.log"));
		CHECK(strlen(s) == strlen("ERROR ") + LOG_MSG_MAX - 1 + 1);
		CHECK(s[strlen(s) - 1] == '\n');
	}
}

static void
test_reopen(void)
{
	CHECK(lconf_file("rot.log", "%(message)s") == 0);
	log_msg(EW_LOG_INFO, "one");
	CHECK(rename(path_of("rot.log"), path_of("rot.log.1")) == 0);
	log_msg(EW_LOG_INFO, "two");		/* still the old file */
	log_reopen();
	CHECK(access(path_of("rot.log"), F_OK) == 0);
	log_msg(EW_LOG_INFO, "three");
	CHECK(strcmp(slurp(path_of("rot.log.1")), "one\ntwo\n") == 0);
	CHECK(strcmp(slurp(path_of("rot.log")), "three\n") == 0);
	/* Directory gone: keep writing to the old file, say so there. */
	CHECK(rename(path_of("rot.log"), path_of("rot.log.2")) == 0);
	CHECK(chmod(dir, 0500) == 0);
	log_reopen();
	CHECK(chmod(dir, 0700) == 0);
	if (geteuid() != 0)
		CHECK(strncmp(slurp(path_of("rot.log.2")), "three\ncannot "
		    "reopen ", 20) == 0);
}

static void
test_levels(void)
{
	/* Logger level, handler level, --debug. */
	CHECK(lconf1("DEBUG", "StreamHandler", "()", "level=WARNING\n",
	    "%(message)s", "") == 0);
	CHECK(log_level == EW_LOG_WARNING);
	log_set_level(EW_LOG_DEBUG);
	CHECK(log_level == EW_LOG_WARNING);	/* the handler still filters */
	CHECK(lconf1("INFO", "StreamHandler", "()", "", "%(message)s", "") == 0);
	CHECK(log_level == EW_LOG_INFO);
	log_set_level(EW_LOG_DEBUG);
	CHECK(log_level == EW_LOG_DEBUG);
	CHECK(lconf1("WARN", "StreamHandler", "()", "", "%(message)s", "") == 0);
	CHECK(log_level == EW_LOG_WARNING);
	CHECK(lconf1("CRITICAL", "StreamHandler", "()", "", "%(message)s",
	    "") == 0);
	CHECK(log_level == EW_LOG_CRITICAL);
	CHECK(lconf1("FATAL", "StreamHandler", "()", "", "%(message)s", "") == 0);
	CHECK(log_level == EW_LOG_CRITICAL);
	CHECK(lconf1("15", "StreamHandler", "()", "", "%(message)s", "") == 0);
	CHECK(log_level == 15);
	/* NOTSET on etherws: root's level. */
	CHECK(lconf1("NOTSET", "StreamHandler", "()", "", "%(message)s",
	    "") == 0);
	CHECK(log_level == EW_LOG_WARNING);

	/* Root fallback: no etherws logger; root without level = WARNING. */
	CHECK(lconf("[loggers]\nkeys=root\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nlevel=DEBUG\nhandlers=h\n"
	    "[handler_h]\nclass=StreamHandler\nargs=(sys.stderr,)\n") == 0);
	CHECK(log_level == EW_LOG_DEBUG);
	CHECK(strcmp(capture(2, EW_LOG_DEBUG, "from root"),
	    "from root\n") == 0);
	CHECK(lconf("[loggers]\nkeys=root\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=h\n"
	    "[handler_h]\nclass=StreamHandler\n") == 0);
	CHECK(log_level == EW_LOG_WARNING);
	/* etherws without handlers propagates to root's. */
	CHECK(lconf("[loggers]\nkeys=root,ew\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nlevel=ERROR\nhandlers=h\n"
	    "[logger_ew]\nlevel=INFO\nhandlers=\nqualname=etherws\n"
	    "[handler_h]\nclass=StreamHandler\n") == 0);
	CHECK(log_level == EW_LOG_INFO);
	/* ... but not with propagate=0: no handler, nothing is written. */
	CHECK(lconf("[loggers]\nkeys=root,ew\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nlevel=ERROR\nhandlers=h\n"
	    "[logger_ew]\nlevel=INFO\nhandlers=\nqualname=etherws\n"
	    "propagate=0\n[handler_h]\nclass=StreamHandler\n") == 0);
	CHECK(log_level > EW_LOG_CRITICAL);
	CHECK(strcmp(capture(2, EW_LOG_CRITICAL, "x"), "") == 0);
	/* Other loggers are checked, then left alone. */
	CHECK(lconf("[loggers]\nkeys=root,other\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nlevel=INFO\nhandlers=h\n"
	    "[logger_other]\nlevel=DEBUG\nhandlers=\nqualname=foo\n"
	    "[handler_h]\nclass=StreamHandler\n") == 0);
	CHECK(log_level == EW_LOG_INFO);
}

static void
test_syntax(void)
{
	/* configparser: comments, "key: value", key case, continuation
	 * lines, indentation, CRLF. */
	CHECK(lconf("# comment\n; comment\n[loggers]\r\nKEYS : root,\r\n"
	    "   etherws\r\n\n[handlers]\nkeys = h\n[formatters]\nkeys=f\n"
	    "[logger_root]\nhandlers=\n[logger_etherws]\n  Level=ERROR\n"
	    "  handlers=h\n  qualname=etherws\n[handler_h]\n"
	    "class=StreamHandler\nargs=(\n   sys.stderr,)\nformatter=f\n"
	    "[formatter_f]\nformat=%(levelname)s=%(message)s\n") == 0);
	CHECK(log_level == EW_LOG_ERROR);
	CHECK(strcmp(capture(2, EW_LOG_ERROR, "ok"), "ERROR=ok\n") == 0);
}

static void
test_syslog_conf(void)
{
	CHECK(lconf1("INFO", "handlers.SysLogHandler", "()", "", "%(message)s",
	    "") == 0);
	CHECK(log_level == EW_LOG_INFO);
	CHECK(lconf1("INFO", "handlers.SysLogHandler",
	    "('/dev/log', handlers.SysLogHandler.LOG_LOCAL3)", "",
	    "%(message)s", "") == 0);
	CHECK(lconf1("INFO", "logging.handlers.SysLogHandler",
	    "(('localhost', 514),)", "", "%(message)s", "") == 0);
	CHECK(lconf("[loggers]\nkeys=root\n[handlers]\nkeys=s\n"
	    "[formatters]\nkeys=\n[logger_root]\nlevel=INFO\nhandlers=s\n"
	    "[handler_s]\nclass=handlers.SysLogHandler\n") == 0);
	CHECK(refused1("INFO", "handlers.SysLogHandler",
	    "(('example.org', 514),)", "", "%(message)s",
	    "Unsupported handlers.SysLogHandler args: "
	    "(('example.org', 514),)"));
	CHECK(refused1("INFO", "handlers.SysLogHandler",
	    "('/dev/log', handlers.SysLogHandler.LOG_NOPE)", "", "%(message)s",
	    "Unsupported handlers.SysLogHandler args: "
	    "('/dev/log', handlers.SysLogHandler.LOG_NOPE)"));
}

static void
test_refusals(void)
{
	char text[LOG_CONF_MAX + 256], args[256], want[300];
	size_t n;
	int i;

	CHECK(refused1("INFO", "handlers.RotatingFileHandler",
	    "('x.log', 'a', 1000, 3)", "", "%(message)s",
	    "Unsupported handler class: "
	    "handlers.RotatingFileHandler"));
	CHECK(refused1("INFO", "StreamHandler", "()", "",
	    "%(asctime)s %(process)d %(message)s",
	    "Unsupported format key: %(process)d"));
	CHECK(refused1("INFO", "StreamHandler", "()", "", "%d %(message)s",
	    "Unsupported format directive: %d"));
	CHECK(refused1("INFO", "StreamHandler", "()", "", "%(message)d",
	    "Unsupported format directive: %(message)d"));
	CHECK(refused1("INFO", "StreamHandler", "()", "", "%(message",
	    "Unsupported format directive: %(message"));
	CHECK(refused1("INFO", "StreamHandler", "()", "", "%(message)999s",
	    "Unsupported format directive: %(message)999s"));
	CHECK(refused1("VERBOSE", "StreamHandler", "()", "", "%(message)s",
	    "Unknown level: 'VERBOSE'"));
	CHECK(refused1("info", "StreamHandler", "()", "", "%(message)s",
	    "Unknown level: 'info'"));
	CHECK(refused1("INFO", "StreamHandler", "()", "level=LOUD\n",
	    "%(message)s", "Unknown level: 'LOUD'"));
	CHECK(refused1("INFO", "FileHandler", "('f', 'r')", "", "%(message)s",
	    "Unsupported FileHandler args: ('f', 'r')"));
	CHECK(refused1("INFO", "FileHandler", "('f', 'a', 'utf-8')", "",
	    "%(message)s",
	    "Unsupported FileHandler args: ('f', 'a', 'utf-8')"));
	CHECK(refused1("INFO", "FileHandler", "('f')", "", "%(message)s",
	    "Unsupported FileHandler args: ('f')"));
	CHECK(refused1("INFO", "FileHandler", "()", "", "%(message)s",
	    "Unsupported FileHandler args: ()"));
	CHECK(refused1("INFO", "StreamHandler", "(sys.stdin,)", "",
	    "%(message)s",
	    "Unsupported StreamHandler args: (sys.stdin,)"));
	CHECK(refused1("INFO", "StreamHandler", "()", "kwargs={'x': 1}\n",
	    "%(message)s", "Unsupported handler kwargs: {'x': 1}"));
	CHECK(refused1("INFO", "StreamHandler", "()", "formatter=g\n",
	    "%(message)s", "line 24: duplicate option "
	    "'formatter' in [handler_h]"));
	CHECK(refused1("INFO", "FileHandler", "('%(here)s/x',)", "",
	    "%(message)s", "line 22: unsupported "
	    "interpolation in args: ('%(here)s/x',)"));
	{
		char t[4096];

		snprintf(t, sizeof(t), CONF_FMT, "INFO", "StreamHandler", "()",
		    "", "{message}", "style={\n");
		CHECK(refused(t, 2,
		    "Unsupported formatter style: {"));
		snprintf(t, sizeof(t), CONF_FMT, "INFO", "StreamHandler", "()",
		    "", "%(message)s", "class=my.Formatter\n");
		CHECK(refused(t, 2,
		    "Unsupported formatter class: my.Formatter"));
	}
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\nkeys=\n",
	    2, "no section [formatters]"));
	CHECK(refused("[loggers]\nkeys=root\n[formatters]\nkeys=\n",
	    2, "no section [handlers]"));
	CHECK(refused("[formatters]\nkeys=\n[handlers]\nkeys=\n",
	    2, "no section [loggers]"));
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\n[formatters]\n"
	    "keys=\n", 2, "no option 'keys' in [handlers]"));
	CHECK(refused("[loggers]\nkeys=etherws\n[handlers]\nkeys=\n"
	    "[formatters]\nkeys=\n", 2,
	    "[loggers] keys must include root"));
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\nkeys=\n"
	    "[formatters]\nkeys=\n", 2,
	    "no section [logger_root]"));
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\nkeys=\n"
	    "[formatters]\nkeys=\n[logger_root]\nlevel=INFO\n", 2,
	    "no option 'handlers' in [logger_root]"));
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=h\n", 2,
	    "no section [handler_h]"));
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\nkeys=\n"
	    "[formatters]\nkeys=f\n[logger_root]\nhandlers=\n", 2,
	    "no section [formatter_f]"));
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=x\n"
	    "[handler_h]\nclass=StreamHandler\n", 2,
	    "handler 'x' of [logger_root] is not in "
	    "[handlers] keys"));
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=h\n"
	    "[handler_h]\nclass=StreamHandler\nformatter=f\n", 2,
	    "formatter 'f' of [handler_h] is not in "
	    "[formatters] keys"));
	CHECK(refused("[loggers]\nkeys=root,e\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=\n"
	    "[logger_e]\nhandlers=h\n[handler_h]\nclass=StreamHandler\n", 2,
	    "no option 'qualname' in [logger_e]"));
	CHECK(refused("[loggers]\nkeys=root,e\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=\n"
	    "[logger_e]\nhandlers=h\nqualname=etherws\npropagate=yes\n"
	    "[handler_h]\nclass=StreamHandler\n", 2,
	    "bad propagate in [logger_e]: 'yes'"));
	/* More than one handler: on etherws, or etherws + root. */
	CHECK(refused("[loggers]\nkeys=root,etherws\n[handlers]\nkeys=a,b\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=\n"
	    "[logger_etherws]\nhandlers=a,b\nqualname=etherws\n"
	    "[handler_a]\nclass=StreamHandler\n"
	    "[handler_b]\nclass=StreamHandler\nargs=(sys.stdout,)\n", 2,
	    "Unsupported: more than one handler for logger "
	    "etherws (a, b)"));
	CHECK(refused("[loggers]\nkeys=root,etherws\n[handlers]\nkeys=a,b\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=b\n"
	    "[logger_etherws]\nhandlers=a\nqualname=etherws\n"
	    "[handler_a]\nclass=StreamHandler\n"
	    "[handler_b]\nclass=StreamHandler\nargs=(sys.stdout,)\n", 2,
	    "Unsupported: more than one handler for logger "
	    "etherws (a, b)"));
	CHECK(refused("[loggers]\nkeys=root,a,b\n[handlers]\nkeys=\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=\n"
	    "[logger_a]\nhandlers=\nqualname=etherws\n"
	    "[logger_b]\nhandlers=\nqualname=etherws\n", 2,
	    "logger etherws configured twice"));
	/* An unused handler is checked too. */
	CHECK(refused("[loggers]\nkeys=root\n[handlers]\nkeys=h\n"
	    "[formatters]\nkeys=\n[logger_root]\nhandlers=\n"
	    "[handler_h]\nclass=handlers.SMTPHandler\n", 2,
	    "Unsupported handler class: handlers.SMTPHandler"));

	/* Syntax. */
	CHECK(refused("[DEFAULT]\nx=1\n", 2,
	    "line 1: unsupported section [DEFAULT]"));
	CHECK(refused("x=1\n", 2,
	    "line 1: no [section] header before it"));
	CHECK(refused("[a]\njunk\n", 2,
	    "line 2: expected key = value"));
	CHECK(refused("[a]\n=1\n", 2, "line 2: empty key"));
	CHECK(refused("[a]\n[a]\n", 2,
	    "line 2: duplicate section [a]"));
	CHECK(refused("[]\n", 2,
	    "line 1: bad section header"));
	{
		const char nul[] = "[a]\nx=1\0\n";
		int fd = open(path_of("log.conf"), O_WRONLY | O_TRUNC);

		CHECK(fd >= 0 && write(fd, nul, sizeof(nul) - 1) ==
		    (ssize_t)sizeof(nul) - 1);
		close(fd);
		CHECK(log_config_file(path_of("log.conf"), err,
		    sizeof(err)) == 2);
		CHECK(strcmp(err, "NUL byte in the "
		    "file") == 0);
	}

	/* Bounds: line length, sections, file size. */
	n = (size_t)snprintf(text, sizeof(text), "[a]\nx=");
	memset(text + n, 'y', LOG_CONF_LINE);
	text[n + LOG_CONF_LINE] = '\0';
	CHECK(refused(text, 2, "line 2: longer than 1024 "
	    "bytes"));
	for (i = 0, n = 0; i <= LOG_CONF_SECTIONS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[s%d]\n", i);
	CHECK(refused(text, 2, "line 65: more than 64 "
	    "sections"));
	for (n = 0; n <= LOG_CONF_MAX; n += 2)
		memcpy(text + n, "#\n", 2);
	text[n] = '\0';
	snprintf(args, sizeof(args), "larger than 65536 "
	    "bytes: '%s'", path_of("log.conf"));
	CHECK(refused(text, 2, args));

	/* I/O errors: exit status 1. */
	CHECK(log_config_file("/nonexistent/log.conf", err, sizeof(err)) == 1);
	CHECK(strcmp(err, "cannot read /nonexistent/log.conf: No such file "
	    "or directory") == 0);
	CHECK(lconf1("INFO", "FileHandler", "('/nonexistent/x.log',)", "",
	    "%(message)s", "") == 1);
	CHECK(strcmp(err, "cannot open /nonexistent/x.log: No such file or "
	    "directory") == 0);
	/* A FIFO as the configuration: refused at once, not read. */
	CHECK(mkfifo(path_of("fifo.conf"), 0600) == 0);
	alarm(20);
	CHECK(log_config_file(path_of("fifo.conf"), err, sizeof(err)) == 1);
	alarm(0);
	snprintf(want, sizeof(want), "cannot read %s: not a regular file",
	    path_of("fifo.conf"));
	CHECK(strcmp(err, want) == 0);
}

/*
 * The attacks on the log file root writes: a symbolic link planted in
 * its place (root would append to whatever it points at), and a new
 * file under umask 000 (Python's 0666 would be world-writable).
 */
static void
test_file_safety(void)
{
	char args[256], want[300];
	struct stat st;
	mode_t old;

	put_file(path_of("victim"), "precious\n");
	CHECK(symlink(path_of("victim"), path_of("link.log")) == 0);
	snprintf(args, sizeof(args), "('%s',)", path_of("link.log"));
	CHECK(lconf1("INFO", "FileHandler", args, "", "%(message)s", "") == 1);
	snprintf(want, sizeof(want), "cannot open %s: a symbolic link "
	    "(refused: name the file itself)", path_of("link.log"));
	CHECK(strcmp(err, want) == 0);
	CHECK(strcmp(slurp(path_of("victim")), "precious\n") == 0);

	old = umask(0);
	snprintf(args, sizeof(args), "('%s',)", path_of("new.log"));
	CHECK(lconf1("INFO", "FileHandler", args, "", "%(message)s", "") == 0);
	umask(old);
	CHECK(stat(path_of("new.log"), &st) == 0 &&
	    (st.st_mode & 07777) == 0644);
}

static void
test_refusal_keeps_config(void)
{
	CHECK(lconf_file("keep.log", "%(levelname)s %(message)s") == 0);
	CHECK(lconf1("INFO", "handlers.RotatingFileHandler", "()", "",
	    "%(message)s", "") == 2);
	log_msg(EW_LOG_WARNING, "still here");
	CHECK(strcmp(slurp(path_of("keep.log")), "WARNING still here\n") == 0);
}

static void
test_rate_limit(void)
{
	const char *p = path_of("rl.log"), *s;
	char key[32];
	int i;

	log_set_clock(fake_clock);
	CHECK(lconf_file("rl.log", "%(levelname)s %(message)s") == 0);
	fake_now = 100000;
	for (i = 0; i < 5; i++)
		log_msg_rl(EW_LOG_INFO, "10.0.0.1", "connected: %s", "10.0.0.1");
	fake_now += 500;
	log_msg_rl(EW_LOG_INFO, "10.0.0.1", "connected: %s", "10.0.0.1");
	/* Another kind of line, another peer: their own budgets. */
	log_msg_rl(EW_LOG_INFO, "10.0.0.1", "disconnected: %s", "10.0.0.1");
	log_msg_rl(EW_LOG_INFO, "10.0.0.2", "connected: %s", "10.0.0.2");
	/* Below the level: neither written nor counted. */
	log_msg_rl(EW_LOG_DEBUG, "10.0.0.3", "debug %s", "x");
	fake_now += 500;
	log_msg_rl(EW_LOG_INFO, "10.0.0.1", "connected: %s", "10.0.0.1");
	log_msg_rl(EW_LOG_INFO, "10.0.0.1", "connected: %s", "10.0.0.1");
	fake_now += 1000;
	log_msg_rl(EW_LOG_WARNING, "10.0.0.1", "connected: %s", "10.0.0.1");
	log_set_level(EW_LOG_DEBUG);
	log_msg_rl(EW_LOG_DEBUG, "10.0.0.3", "debug %s", "x");
	log_set_level(EW_LOG_INFO);
	s = slurp(p);
	CHECK(strcmp(s,
	    "INFO connected: 10.0.0.1\n"
	    "INFO disconnected: 10.0.0.1\n"
	    "INFO connected: 10.0.0.2\n"
	    "INFO connected: 10.0.0.1 (5 similar messages suppressed)\n"
	    "WARNING connected: 10.0.0.1 (1 similar message suppressed)\n"
	    "DEBUG debug x\n") == 0);
	if (strstr(s, "DEBUG debug x\n") == NULL)
		fprintf(stderr, "%s", s);

	/* At most LOG_RL_GLOBAL lines a second over all keys; the others
	 * are counted on their keys. */
	CHECK(truncate(p, 0) == 0);
	fake_now = 200000;
	for (i = 0; i < 30; i++) {
		snprintf(key, sizeof(key), "g%d", i);
		log_msg_rl(EW_LOG_WARNING, key, "flap %s", key);
	}
	CHECK(count_lines(slurp(p)) == LOG_RL_GLOBAL);
	fake_now += 1000;
	for (i = LOG_RL_GLOBAL; i < 30; i++) {
		snprintf(key, sizeof(key), "g%d", i);
		log_msg_rl(EW_LOG_WARNING, key, "flap %s", key);
	}
	s = slurp(p);
	CHECK(count_lines(s) == 30);
	CHECK(strstr(s, "WARNING flap g29 (1 similar message suppressed)\n")
	    != NULL);

	/* The table is bounded: an evicted key's count is not lost. */
	fake_now = 300000;
	for (i = 0; i < LOG_RL_SLOTS; i++) {
		fake_now += 1000;
		snprintf(key, sizeof(key), "e%d", i);
		log_msg_rl(EW_LOG_ERROR, key, "read: %s", key);
		log_msg_rl(EW_LOG_ERROR, key, "read: %s", key);
	}
	CHECK(truncate(p, 0) == 0);
	fake_now += 1000;
	log_msg_rl(EW_LOG_ERROR, "new", "read: %s", "new");
	CHECK(strcmp(slurp(p), "WARNING 1 rate-limited message suppressed\n"
	    "ERROR read: new\n") == 0);
	/* e0 was evicted: it starts afresh (and evicts e1). */
	log_msg_rl(EW_LOG_ERROR, "e0", "read: %s", "e0");
	CHECK(strcmp(slurp(p), "WARNING 1 rate-limited message suppressed\n"
	    "ERROR read: new\n"
	    "WARNING 1 rate-limited message suppressed\n"
	    "ERROR read: e0\n") == 0);
	log_set_clock(ew_now_ms);
}

static void
test_detach(void)
{
	CHECK(lconf1("INFO", "StreamHandler", "()", "", "%(message)s", "") == 0);
	log_detach();
	CHECK(log_level > EW_LOG_CRITICAL);
	CHECK(strcmp(capture(2, EW_LOG_CRITICAL, "x"), "") == 0);
	/* A file handler still writes when detached. */
	CHECK(lconf_file("det.log", "%(message)s") == 0);
	CHECK(log_level == EW_LOG_INFO);
	log_msg(EW_LOG_INFO, "detached");
	CHECK(strcmp(slurp(path_of("det.log")), "detached\n") == 0);
}

static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_log.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	setenv("TZ", "UTC", 1);
	tzset();
	test_render_default();
	test_render_formats();
	test_stream();
	test_file();
	test_file_safety();
	test_reopen();
	test_levels();
	test_syntax();
	test_syslog_conf();
	test_refusals();
	test_refusal_keeps_config();
	test_rate_limit();
	test_detach();
	cleanup();
	return t_done("test_log");
}
