// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: frames per second through vdpa_sim_net's loopback with the
 * mini-VMM, on one upper device, for passthrough, shadow, and shadow with
 * dirty logging on (auto mode), and on a bare vdpa_sim_net device (plain
 * vhost-vdpa, no upper device: what stacking costs), in two workloads:
 *   stream     up to 64 frames in flight, one kick per batch (a busy
 *              guest: the throughput of the data path)
 *   ping-pong  one frame in flight, two kicks and two interrupts per frame
 *              (the round trip: the latency of the data path)
 * With logging on, a thread harvests the log every 10 ms the way QEMU's
 * migration thread does (vmm_log_harvest()), which syncs it once per pass
 * over guest memory (migration_bitmap_sync()), far less often: pages the
 * device writes again and again are found clear again at least as often
 * as in a migration. Every frame is checked. The configurations alternate
 * within each round, the median of the rounds is reported with its ratios
 * to passthrough and to bare, and every raw number is printed. Then the pause of a
 * passthrough -> shadow switch (stats/last_switch_ns), median of 100.
 *
 * Usage: vhost_vdpa_svq_bench [frames per run] [rounds] [configuration [workload]]
 *
 * With a configuration (bare, passthrough, shadow or shadow+log), only that one
 * runs, and no switch pause is measured: for profiling one of them; with
 * a workload too (stream or ping-pong), only that workload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define LOG_WORDS	((VMM_MEM_IOVA >> 12) / 64 + 256)

#define STREAM_WINDOW	64
#define HARVEST_PERIOD_US	10000

/*
 * bare: plain vhost-vdpa on a vdpa_sim_net device of its own, no upper
 * device: what stacking itself costs is passthrough / bare.
 */
enum config { BARE, PASSTHROUGH, SHADOW, SHADOW_LOG, NCONFIGS };
static const char * const config_names[] = { "bare", "passthrough", "shadow", "shadow+log" };

enum workload { STREAM, PING_PONG, NWORKLOADS };
static const char * const workload_names[] = { "stream", "ping-pong" };

/* The guest's clocksource: timings are exact only with the TSC. */
static void print_clocksource(const char *when)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	char name[64];

	if (!f || !fgets(name, sizeof(name), f))
		snprintf(name, sizeof(name), "unknown\n");
	if (f)
		fclose(f);
	printf("# clocksource %s: %s", when, name);
}

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

static int run_workload(struct vmm_net *net, enum workload w, unsigned int frames,
			unsigned int first_seq)
{
	if (w == STREAM)
		return vmm_net_stream(net, frames, first_seq, STREAM_WINDOW);
	return vmm_net_loop(net, frames, first_seq);
}

/* the bare lower device of configuration BARE */
static struct vmm_dev bare;

/* One measured run of @frames frames of workload @w in configuration @c. */
static int run(struct vmm_dev *dev, uint64_t *log, enum workload w, enum config c,
	       unsigned int frames, double *fps)
{
	static const char * const modes[] = {
		[PASSTHROUGH] = "passthrough", [SHADOW] = "shadow", [SHADOW_LOG] = "auto",
	};
	struct vmm_log_harvester harvester;
	bool harvesting = false;
	struct vmm_net net = {};
	double t0;
	int r;

	if (c == BARE) {
		dev = &bare;
		r = 0;
	} else {
		r = vmm_attr_write("bsvq0", "mode", modes[c]);
	}
	if (!r)
		r = vmm_net_start(&net, dev, 256);
	if (!r && c == SHADOW_LOG) {
		r = vmm_set_log_base(dev->fd, (uint64_t)(uintptr_t)log);
		if (!r)
			r = vmm_set_features(dev->fd, net.features | (1ULL << VHOST_F_LOG_ALL));
		if (!r)
			r = vmm_log_harvester_start(&harvester, log, NULL, LOG_WORDS,
						    HARVEST_PERIOD_US);
		harvesting = !r;
	}
	if (!r)
		r = run_workload(&net, w, 256, 0);	/* warm up */
	t0 = now();
	if (!r)
		r = run_workload(&net, w, frames, 256);
	*fps = frames / (now() - t0);
	if (harvesting)
		vmm_log_harvester_stop(&harvester);
	vmm_net_stop(&net);
	return r;
}

/* Alternate the configurations (only @only if >= 0) for @rounds rounds. */
static int run_workload_rounds(struct vmm_dev *dev, uint64_t *log, enum workload w,
			       unsigned int frames, int rounds, int only)
{
	double fps[NCONFIGS][64], med[NCONFIGS];
	int i, c;

	printf("# %s: %u frames per run, %d rounds, configurations alternate\n",
	       workload_names[w], frames, rounds);
	for (i = 0; i < rounds; i++) {
		for (c = 0; c < NCONFIGS; c++) {
			/* rotate the order each round */
			int k = (c + i) % NCONFIGS;

			if (only >= 0 && k != only)
				continue;
			if (run(dev, log, w, k, frames, &fps[k][i])) {
				fprintf(stderr, "%s %s run failed\n", workload_names[w],
					config_names[k]);
				return 1;
			}
			printf("raw %s round %d %-12s %10.0f frames/s\n", workload_names[w], i,
			       config_names[k], fps[k][i]);
		}
	}
	if (only >= 0) {
		printf("median %s %-12s %10.0f frames/s\n", workload_names[w],
		       config_names[only], median(fps[only], rounds));
		return 0;
	}
	for (c = 0; c < NCONFIGS; c++)
		med[c] = median(fps[c], rounds);
	for (c = 0; c < NCONFIGS; c++)
		printf("median %-9s %-12s %10.0f frames/s  ratio to passthrough %.3f, bare %.3f\n",
		       workload_names[w], config_names[c], med[c], med[c] / med[PASSTHROUGH],
		       med[c] / med[BARE]);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int frames = argc > 1 ? atoi(argv[1]) : 20000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, i, c, only = -1, only_w = -1;
	uint64_t *log = calloc(LOG_WORDS, sizeof(uint64_t));
	struct vmm_net net = {};
	struct vmm_dev dev;
	double pause[100];

	for (c = 0; argc > 3 && c < NCONFIGS; c++)
		if (!strcmp(argv[3], config_names[c]))
			only = c;
	for (c = 0; argc > 4 && c < NWORKLOADS; c++)
		if (!strcmp(argv[4], workload_names[c]))
			only_w = c;
	if (rounds < 1 || rounds > 64 || !log || (argc > 3 && only < 0) ||
	    (argc > 4 && only_w < 0))
		return 2;
	if (vmm_dev_create_stacked(&dev, "blower0", "bsvq0", "") || vmm_open(&dev) ||
	    vmm_dev_create(&bare, "bbare0", "mgmtdev vdpasim_net") || vmm_open(&bare)) {
		fprintf(stderr, "cannot set up the stacked and the bare devices\n");
		return 1;
	}
	print_clocksource("before");
	for (i = 0; i < NWORKLOADS; i++)
		if ((only_w < 0 || i == only_w) &&
		    run_workload_rounds(&dev, log, i, frames, rounds, only))
			return 1;
	print_clocksource("after");
	vmm_dev_destroy(&bare);
	if (only >= 0) {
		vmm_dev_destroy(&dev);
		return system("vdpa dev del blower0") ? 1 : 0;
	}

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
