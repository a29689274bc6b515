/* accounts: password hashing with libsodium's Argon2id string format (salt
 * and parameters inside the string, verification in constant time), and the
 * account job both store implementations run on their helper thread.
 * Passwords are copied into the job and wiped when it is freed; they are
 * never logged. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_private.h"
#include "util/alloc.h"

_Static_assert(ACCOUNT_HASH_MAX == crypto_pwhash_STRBYTES, "hash buffer size");

/* Interactive limits: about 50-100 ms and 64 MiB per hash on a small
 * machine, run on the helper thread only. */
bool account_hash(const char *pw, size_t len, char out[ACCOUNT_HASH_MAX])
{
	if (sodium_init() < 0)
		return false;
	return crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

bool account_verify(const char *hash, const char *pw, size_t len)
{
	if (sodium_init() < 0)
		return false;
	return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

static void copy_secret(char *dst, size_t *dst_len, const char *src, size_t len)
{
	if (len > STORE_PASSWORD_MAX)
		len = STORE_PASSWORD_MAX;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
	*dst_len = len;
}

void account_job_finish(struct worker_job *base)
{
	struct account_job *job = (struct account_job *)base;
	job->done(job->ctx, job->result);
	account_job_free(job);
}

/* Runs on the helper thread: the part of each operation that hashes. An
 * unknown account (empty stored hash) costs one hash too, so the reply's
 * timing does not tell it from a wrong password. */
void account_job_check(struct account_job *job)
{
	char scratch[ACCOUNT_HASH_MAX];
	bool known = job->hash[0] != '\0';
	switch (job->op) {
	case STORE_ACCOUNT_VERIFY:
	case STORE_ACCOUNT_CHANGE:
		if (!known) {
			account_hash(job->password, job->password_len, scratch);
			job->result = STORE_ACCOUNT_DENIED;
			return;
		}
		if (!account_verify(job->hash, job->password, job->password_len)) {
			job->result = STORE_ACCOUNT_DENIED;
			return;
		}
		if (job->op == STORE_ACCOUNT_VERIFY) {
			job->result = STORE_ACCOUNT_OK;
			return;
		}
		job->result = account_hash(job->new_password, job->new_password_len, job->hash)
				      ? STORE_ACCOUNT_OK
				      : STORE_ACCOUNT_ERROR;
		return;
	case STORE_ACCOUNT_CREATE:
		job->result = account_hash(job->password, job->password_len, job->hash)
				      ? STORE_ACCOUNT_OK
				      : STORE_ACCOUNT_ERROR;
		return;
	}
}

static void job_drop(struct worker_job *base)
{
	account_job_free((struct account_job *)base);
}

struct account_job *account_job_new(const struct store_account_request *req, void *impl,
				    void (*run)(struct worker_job *job))
{
	struct account_job *job = xcalloc(1, sizeof(*job));
	job->base.run = run;
	job->base.done = account_job_finish;
	job->base.drop = job_drop;
	job->op = req->op;
	job->result = STORE_ACCOUNT_ERROR;
	job->done = req->done;
	job->ctx = req->ctx;
	job->impl = impl;
	size_t n = req->name_len < sizeof(job->name) - 1 ? req->name_len : sizeof(job->name) - 1;
	memcpy(job->name, req->name, n);
	copy_secret(job->password, &job->password_len, req->password, req->password_len);
	if (req->new_password)
		copy_secret(job->new_password, &job->new_password_len, req->new_password,
			    req->new_password_len);
	return job;
}

void account_job_free(struct account_job *job)
{
	sodium_memzero(job, sizeof(*job));
	free(job);
}
