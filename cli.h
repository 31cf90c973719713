/*
 * cli.h - the command line of sw and ctl (cli.c): options, typos,
 * errors
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>

/* Command-line option parser shared by sw and ctl (argparse-like:
 * "--name value", "--name=value", unambiguous prefixes). */
struct ew_opt {
	const char	*name;		/* without "--" */
	int		 has_arg;
};
/*
 * Looks at argv[*idx].  Returns the index into defs of the option found
 * (advancing *idx past it and its argument, *val set to the argument or
 * NULL), -1 when argv[*idx] is not an option (or is "--", which is
 * skipped) or argv is exhausted, -2 on an error, after printing
 * "<prog>: error: <what>" to stderr.
 */
int ew_getopt(int argc, char **argv, int *idx, const struct ew_opt *defs,
    int ndefs, const char **val, const char *prog);

/* Edit distance of (a, an) and (b, bn), letters in any case: insert,
 * delete, replace or swap two neighbours (optimal string alignment);
 * EW_EDIT_MAX + 1 for longer words. */
#define EW_EDIT_MAX	32
int ew_edit_distance(const char *a, size_t an, const char *b, size_t bn);
/* The index of name(i, tab), i < n, nearest to (word, wlen) - a typo's
 * likely meaning (at most 2 edits, and fewer than half its letters) -
 * or -1. */
int ew_nearest(const char *word, size_t wlen, const char *(*name)(size_t i,
    const void *tab), const void *tab, size_t n);

/* "<prog>: error: <what>" on stderr, then rc: the sub-commands' errors.
 * prog may begin with a usage text ("usage: ...\n<prog>", as
 * ew_getopt's prog does): then only its last line is printed, and a
 * line that points to -h (a usage error). */
int ew_error(int rc, const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ew_cmd_error(rc, "sw", ...): one line "etherws sw: error: ..." (cmd
 * a string literal). */
#define ew_cmd_error(rc, cmd, ...)	ew_error(rc, "etherws " cmd, __VA_ARGS__)

#endif /* CLI_H */
