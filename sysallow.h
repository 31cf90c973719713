/*
 * sysallow.h - the system calls the switch makes once it runs as --user
 * (privdrop.c's seccomp filter; included by it alone).  Each arch gets
 * its own numbers from <sys/syscall.h>, and a call this arch lacks (open
 * vs openat, mmap2, socketcall, the _time64 calls of 32-bit CPUs) is
 * left out by its #ifdef.  Not here, so refused: execve, fork and clone,
 * ptrace, kill, mount, chroot, setuid and every other identity change,
 * prctl, bpf, module and keyring calls, and so on: what is not listed.
 */
#ifndef SYSALLOW_H
#define SYSALLOW_H

#include <stdint.h>
#include <sys/syscall.h>

/* (numbers below 65536 on every Linux arch: mips adds 4000) */
static const uint16_t sysallow[] = {
	/* the data path and the event loop, the most frequent first (the filter
	 * tries them in order: getsockopt is TCP_INFO, pace.c and txq.c) */
#ifdef __NR_getsockopt
	__NR_getsockopt,
#endif
#ifdef __NR_recvfrom
	__NR_recvfrom,
#endif
#ifdef __NR_sendto
	__NR_sendto,
#endif
#ifdef __NR_recv
	__NR_recv,	/* arm and mips: glibc's recv(), send() */
#endif
#ifdef __NR_send
	__NR_send,
#endif
#ifdef __NR_epoll_wait
	__NR_epoll_wait,
#endif
#ifdef __NR_epoll_pwait
	__NR_epoll_pwait,
#endif
#ifdef __NR_epoll_pwait2
	__NR_epoll_pwait2,
#endif
#ifdef __NR_ioctl
	__NR_ioctl,
#endif
#ifdef __NR_setsockopt
	__NR_setsockopt,
#endif
#ifdef __NR_epoll_ctl
	__NR_epoll_ctl,
#endif
#ifdef __NR_close
	__NR_close,
#endif
#ifdef __NR_writev
	__NR_writev,
#endif
#ifdef __NR_readv
	__NR_readv,
#endif
#ifdef __NR_write
	__NR_write,
#endif
#ifdef __NR_read
	__NR_read,
#endif
#ifdef __NR_recvmsg
	__NR_recvmsg,
#endif
#ifdef __NR_sendmsg
	__NR_sendmsg,
#endif
#ifdef __NR_recvmmsg
	__NR_recvmmsg,
#endif
#ifdef __NR_recvmmsg_time64
	__NR_recvmmsg_time64,
#endif
#ifdef __NR_sendmmsg
	__NR_sendmmsg,
#endif
#ifdef __NR_accept4
	__NR_accept4,
#endif
#ifdef __NR_accept
	__NR_accept,
#endif
#ifdef __NR_getrandom
	__NR_getrandom,
#endif
#ifdef __NR_clock_gettime
	__NR_clock_gettime,
#endif
#ifdef __NR_clock_gettime64
	__NR_clock_gettime64,
#endif
#ifdef __NR_gettimeofday
	__NR_gettimeofday,
#endif
#ifdef __NR_time
	__NR_time,
#endif
	/* sockets (socket itself is checked apart: its address family) */
#ifdef __NR_getsockname
	__NR_getsockname,
#endif
#ifdef __NR_getpeername
	__NR_getpeername,
#endif
#ifdef __NR_shutdown
	__NR_shutdown,
#endif
#ifdef __NR_connect
	__NR_connect,
#endif
#ifdef __NR_bind
	__NR_bind,
#endif
#ifdef __NR_listen
	__NR_listen,
#endif
#ifdef __NR_socketcall
	__NR_socketcall,
#endif
	/* memory (mmap, mmap2 and mprotect are checked apart: never PROT_EXEC) */
#ifdef __NR_brk
	__NR_brk,
#endif
#ifdef __NR_munmap
	__NR_munmap,
#endif
#ifdef __NR_mremap
	__NR_mremap,
#endif
#ifdef __NR_madvise
	__NR_madvise,
#endif
	/* files: --config, htpasswd files (read under flock), /etc/hosts,
	 * /etc/resolv.conf, /proc/net, the log file (SIGHUP), the pid file
	 * at exit */
#ifdef __NR_openat
	__NR_openat,
#endif
#ifdef __NR_open
	__NR_open,
#endif
#ifdef __NR_fstat
	__NR_fstat,
#endif
#ifdef __NR_fstat64
	__NR_fstat64,
#endif
#ifdef __NR_newfstatat
	__NR_newfstatat,
#endif
#ifdef __NR_fstatat64
	__NR_fstatat64,
#endif
#ifdef __NR_statx
	__NR_statx,
#endif
#ifdef __NR_stat
	__NR_stat,
#endif
#ifdef __NR_stat64
	__NR_stat64,
#endif
#ifdef __NR_lstat
	__NR_lstat,
#endif
#ifdef __NR_lstat64
	__NR_lstat64,
#endif
#ifdef __NR_lseek
	__NR_lseek,
#endif
#ifdef __NR__llseek
	__NR__llseek,
#endif
#ifdef __NR_flock
	__NR_flock,
#endif
#ifdef __NR_fcntl
	__NR_fcntl,
#endif
#ifdef __NR_fcntl64
	__NR_fcntl64,
#endif
#ifdef __NR_unlink
	__NR_unlink,
#endif
#ifdef __NR_unlinkat
	__NR_unlinkat,
#endif
#ifdef __NR_ftruncate
	__NR_ftruncate,
#endif
#ifdef __NR_ftruncate64
	__NR_ftruncate64,
#endif
	/* signals, time, the process's own ids, memory size, the end */
#ifdef __NR_rt_sigreturn
	__NR_rt_sigreturn,
#endif
#ifdef __NR_sigreturn
	__NR_sigreturn,
#endif
#ifdef __NR_rt_sigaction
	__NR_rt_sigaction,
#endif
#ifdef __NR_rt_sigprocmask
	__NR_rt_sigprocmask,
#endif
#ifdef __NR_signalfd4
	__NR_signalfd4,
#endif
#ifdef __NR_signalfd
	__NR_signalfd,
#endif
#ifdef __NR_poll
	__NR_poll,
#endif
#ifdef __NR_ppoll
	__NR_ppoll,
#endif
#ifdef __NR_ppoll_time64
	__NR_ppoll_time64,
#endif
#ifdef __NR_futex
	__NR_futex,
#endif
#ifdef __NR_getpid
	__NR_getpid,
#endif
#ifdef __NR_gettid
	__NR_gettid,
#endif
#ifdef __NR_getuid
	__NR_getuid,
#endif
#ifdef __NR_geteuid
	__NR_geteuid,
#endif
#ifdef __NR_getgid
	__NR_getgid,
#endif
#ifdef __NR_getegid
	__NR_getegid,
#endif
#ifdef __NR_getuid32
	__NR_getuid32,
#endif
#ifdef __NR_geteuid32
	__NR_geteuid32,
#endif
#ifdef __NR_getgid32
	__NR_getgid32,
#endif
#ifdef __NR_getegid32
	__NR_getegid32,
#endif
#ifdef __NR_sysinfo
	__NR_sysinfo,
#endif
#ifdef __NR_restart_syscall
	__NR_restart_syscall,
#endif
#ifdef __NR_exit
	__NR_exit,
#endif
#ifdef __NR_exit_group
	__NR_exit_group,
#endif
};

/* Allowed unless their prot argument (the third) asks for PROT_EXEC. */
static const uint16_t sysallow_prot[] = {
#ifdef __NR_mmap
	__NR_mmap,
#endif
#ifdef __NR_mmap2
	__NR_mmap2,
#endif
	__NR_mprotect,
};

#endif /* SYSALLOW_H */
