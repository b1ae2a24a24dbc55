# SPDX-License-Identifier: GPL-2.0
#
# User entry point. (Kernel builds with M=$PWD read Kbuild instead.)
#
#   make          build the kernel (cached) and the module
#   make check    every gate and test; ends with "N passed, N failed"
#   make demo     boot the test VM and show the product at work
#   make check-debug   make check on the debug kernel (KASAN, lockdep, ...)
#   make bench    the relay core natively against vringh; in the VM,
#                 frames/s passthrough vs shadow, switch pause; migration,
#                 ours vs QEMU 10.1's own shadow virtqueue (not a test)
#   make profile  cycles per frame of each part of a relay pass (not a test)
#   make deb      the DKMS package vhost-vdpa-svq-dkms, in build/deb/

SVQ := tools/testing/svq

all: module

kernel:
	@$(SVQ)/deps.sh
	@$(SVQ)/kernel.sh

module: kernel
	$(MAKE) -C "$$($(SVQ)/kernel.sh --print-dir)" M=$(CURDIR) modules

check:
	@$(SVQ)/check.sh

check-debug:
	@$(SVQ)/check.sh --debug

demo:
	@$(SVQ)/demo.sh

bench:
	@$(SVQ)/bench.sh

profile:
	@$(SVQ)/profile/profile.sh

deb:
	@tools/dkms/make-deb.sh

clean:
	-@kdir=$$($(SVQ)/kernel.sh --print-dir); \
	  [ -d "$$kdir" ] && $(MAKE) -C "$$kdir" M=$(CURDIR) clean
	rm -f tools/testing/selftests/vhost_vdpa_svq/*_test tools/testing/selftests/vhost_vdpa_svq/vhost_vdpa_svq_bench
	rm -rf build

.PHONY: all kernel module check check-debug demo bench profile deb clean
