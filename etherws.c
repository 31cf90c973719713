/*
 * etherws.c - main: dispatch to the "sw" (switch daemon) and "ctl"
 * (control client) sub-commands.
 */
#include <stdio.h>
#include <string.h>

#include "etherws.h"

static const char usage[] =
"usage: etherws [-h] {sw,ctl} ...\n";

static const char help[] =
"\n"
"Ethernet over WebSocket tunneling server/client\n"
"\n"
"positional arguments:\n"
"  {sw,ctl}\n"
"    sw        run the switch daemon\n"
"    ctl       control a running switch\n"
"\n"
"options:\n"
"  -h, --help  show this help message and exit\n"
"  --version   show the version and exit\n";

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		fputs("etherws: error: the following arguments are required: "
		    "{sw,ctl}\n", stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		fputs(help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("etherws %s\n", ETHERWS_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "sw") == 0)
		return sw_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	fputs(usage, stderr);
	fprintf(stderr, "etherws: error: argument command: invalid choice: "
	    "'%s' (choose from 'sw', 'ctl')\n", argv[1]);
	return 2;
}
