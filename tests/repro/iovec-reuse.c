/*
 * Reproducer of an open bug (not a suite): PWRITEV on a polled context to a
 * file is issued by aio_iopoll_work(), which imports the iovec array from
 * user memory again after io_submit() returned; a classic context copies it
 * during io_submit().  Points the array at another buffer right after
 * io_submit() and counts the writes that took the new buffer (0 is right).
 * usage: iovec-reuse FILE [CTXFLAGS] (2: IOCTX_FLAG_IOPOLL, 0: classic);
 * build: gcc -O2 -Wall -o iovec-reuse iovec-reuse.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#ifndef IOCTX_FLAG_IOPOLL
#define IOCTX_FLAG_IOPOLL (1 << 1)
#endif
#ifndef IOCB_FLAG_HIPRI
#define IOCB_FLAG_HIPRI (1 << 2)
#endif
int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/mnt/ext4/iovreuse";
	unsigned int flags = argc > 2 ? atoi(argv[2]) : IOCTX_FLAG_IOPOLL;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	char *a, *b, *c, *r;
	int bad = 0, i;
	aio_context_t ctx = 0;

	if (fd < 0 || posix_memalign((void **)&a, 4096, 4096) ||
	    posix_memalign((void **)&b, 4096, 4096) ||
	    posix_memalign((void **)&c, 4096, 4096) ||
	    posix_memalign((void **)&r, 4096, 8192))
		return perror("setup"), 2;
	memset(a, 'A', 4096); memset(b, 'B', 4096); memset(c, 'C', 4096);
	if (syscall(473, 8, flags, NULL, NULL, NULL, &ctx))
		return perror("io_setup2"), 2;
	for (i = 0; i < 200; i++) {
		struct iovec *iov = malloc(2 * sizeof(*iov));
		struct iocb cb = {0}, *cbs[1] = { &cb };
		struct io_event ev;

		iov[0].iov_base = a; iov[0].iov_len = 4096;
		iov[1].iov_base = b; iov[1].iov_len = 4096;
		cb.aio_fildes = fd; cb.aio_lio_opcode = IOCB_CMD_PWRITEV;
		cb.aio_buf = (uintptr_t)iov; cb.aio_nbytes = 2;
		cb.aio_offset = (off_t)i * 8192;
		cb.aio_flags = flags ? IOCB_FLAG_HIPRI : 0;
		if (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
			return perror("io_submit"), 2;
		/* the array is ours again, as with a classic context */
		iov[0].iov_base = c;
		iov[1].iov_base = c;
		if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1 || ev.res != 8192) {
			fprintf(stderr, "event %d: res %lld\n", i, (long long)ev.res);
			bad++;
		}
		free(iov);
		if (pread(fd, r, 8192, (off_t)i * 8192) != 8192)
			return perror("pread"), 2;
		if (memcmp(r, a, 4096) || memcmp(r + 4096, b, 4096))
			bad++;
	}
	printf("%s: %d of 200 PWRITEV wrote what the iovec array said after io_submit() returned\n",
	       flags ? "polled" : "classic", bad);
	return bad ? 1 : 0;
}
