/*
 * sw.h - the sw sub-command (sw.c): the switch daemon and its options
 * (struct sw_conf, whose one instance is sw.c's own).
 */
#ifndef SW_H
#define SW_H

/* The daemon's options, filled in by the sw command line before
 * anything starts; read-only afterwards.  sw.c hands each module what
 * it needs of them. */
struct sw_conf {
	int		 debug, foreground;
	long long	 ageout;		/* s */
	long long	 keepalive;		/* s, 0 = off */
	const char	*path, *ctlpath;
	const char	*host, *ctlhost;
	int		 port, ctlport;
	const char	*htpasswd, *ctlhtpasswd;
	const char	*ctlallow;		/* more local users (ctlallow.h) */
	const char	*user;			/* --user NAME (privdrop.h) */
	const char	*tunnelorigin;		/* Origins a tunnel may send, a
						 * comma list (serve.c) */
	const char	*sslkey, *sslcert, *ctlsslkey, *ctlsslcert;
	const char	*logconf, *pidfile;
	const char	*config;		/* --config FILE, absolute */
	int		 syslog;
	long long	 stormlimit;		/* flooded frames/s per port */
	long long	 maxconn;		/* tunnel connections */
	long long	 ctlmaxconn;		/* control connections */
	long long	 queue;			/* tunnel tx queue, bytes */
	long long	 maxmem;		/* connection buffers, bytes */
	long long	 fdbmax;		/* FDB entries */
	long long	 fdbportmax;		/* ... of one port */
	int		 nooffload;		/* no IFF_VNET_HDR, no
						 * OFFLOAD_HEADER */
};
/* Runs the daemon: an exit status (2 for usage errors). */
int sw_main(int argc, char **argv);

#endif /* SW_H */
