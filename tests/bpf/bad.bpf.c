// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program the verifier must reject (a raw_tp context read far beyond the
 * tracepoint's arguments): tests/bpf checks that the rejection is reported
 * with the verifier log.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw_tp/accelq_job_end")
int bad_ctx_read(unsigned long long *ctx)
{
	return ctx[20] != 0;
}

char LICENSE[] SEC("license") = "GPL";
