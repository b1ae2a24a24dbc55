// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: frames per second through vdpa_sim_net's loopback with the
 * mini-VMM, on one upper device, for passthrough, shadow, and shadow with
 * dirty logging on (auto mode); the configurations alternate within each
 * round, the median of the rounds is reported with its ratio to
 * passthrough, and every raw number is printed. Then the pause of a
 * passthrough -> shadow switch (stats/last_switch_ns), median of 100.
 *
 * Usage: vhost_vdpa_svq_bench [frames per run] [rounds]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define LOG_WORDS	((VMM_MEM_IOVA >> 12) / 64 + 256)

enum config { PASSTHROUGH, SHADOW, SHADOW_LOG, NCONFIGS };
static const char * const config_names[] = { "passthrough", "shadow", "shadow+log" };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One measured run of @frames frames in configuration @c. */
static int run(struct vmm_dev *dev, uint64_t *log, enum config c, unsigned int frames,
	       double *fps)
{
	static const char * const modes[] = { "passthrough", "shadow", "auto" };
	struct vmm_net net = {};
	double t0;
	int r;

	r = vmm_attr_write("bsvq0", "mode", modes[c]);
	if (!r)
		r = vmm_net_start(&net, dev, 256);
	if (!r && c == SHADOW_LOG) {
		r = vmm_set_log_base(dev->fd, (uint64_t)(uintptr_t)log);
		if (!r)
			r = vmm_set_features(dev->fd, net.features | (1ULL << VHOST_F_LOG_ALL));
	}
	if (!r)
		r = vmm_net_loop(&net, 64, 0);	/* warm up */
	t0 = now();
	if (!r)
		r = vmm_net_loop(&net, frames, 64);
	*fps = frames / (now() - t0);
	vmm_net_stop(&net);
	return r;
}

int main(int argc, char **argv)
{
	unsigned int frames = argc > 1 ? atoi(argv[1]) : 20000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, i, c;
	double fps[NCONFIGS][64], med[NCONFIGS], pause[100];
	uint64_t *log = calloc(LOG_WORDS, sizeof(uint64_t));
	struct vmm_net net = {};
	struct vmm_dev dev;

	if (rounds > 64 || !log)
		return 2;
	if (vmm_dev_create_stacked(&dev, "blower0", "bsvq0", "") || vmm_open(&dev)) {
		fprintf(stderr, "cannot set up the stacked device\n");
		return 1;
	}
	printf("# %u frames per run, %d rounds, configurations alternate\n", frames, rounds);
	for (i = 0; i < rounds; i++) {
		for (c = 0; c < NCONFIGS; c++) {
			/* rotate the order each round */
			int k = (c + i) % NCONFIGS;

			if (run(&dev, log, k, frames, &fps[k][i])) {
				fprintf(stderr, "%s run failed\n", config_names[k]);
				return 1;
			}
			printf("raw round %d %-12s %10.0f frames/s\n", i, config_names[k],
			       fps[k][i]);
		}
	}
	for (c = 0; c < NCONFIGS; c++)
		med[c] = median(fps[c], rounds);
	for (c = 0; c < NCONFIGS; c++)
		printf("median %-12s %10.0f frames/s  ratio to passthrough %.3f\n",
		       config_names[c], med[c], med[c] / med[PASSTHROUGH]);

	/* switch pause: passthrough -> shadow under a running device */
	if (vmm_attr_write("bsvq0", "mode", "auto") || vmm_net_start(&net, &dev, 256) ||
	    vmm_set_log_base(dev.fd, (uint64_t)(uintptr_t)log))
		return 1;
	for (i = 0; i < 100; i++) {
		if (vmm_set_features(dev.fd, net.features | (1ULL << VHOST_F_LOG_ALL)))
			return 1;
		pause[i] = vmm_attr_long("bsvq0", "stats/last_switch_ns") / 1000.0;
		if (vmm_set_features(dev.fd, net.features) || vmm_net_loop(&net, 2, 2 * i))
			return 1;
	}
	printf("median switch pause %.1f us (passthrough -> shadow, 100 switches)\n",
	       median(pause, 100));
	vmm_net_stop(&net);
	vmm_dev_destroy(&dev);
	return system("vdpa dev del blower0") ? 1 : 0;
}
