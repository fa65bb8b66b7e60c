/* sysinfo.c - what a node reports to its master's stats collector. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "../common/util.h"
#include "../common/valid.h"
#include "node.h"
#include "svcctl.h"

/* The services every node runs; each role's are svcctl.h's. */
static const struct {
	const char	*role;
	const char	*service;
	const char	*binary;
} role_services[] = {
	{ "", "nftables", "/usr/sbin/nft" },
	{ "", "cron", "/usr/sbin/cron" },
};


/* "running" when the pid file under the host root names a live process,
 * "stopped" when the program is installed, "absent" when it is not. */
static const char *
service_state(const struct node_agent *a, const char *svc, const char *bin)
{
	char path[NODE_PATH_MAX], *s;
	long pid;

	snprintf(path, sizeof(path), "%s/run/%s.pid", a->conf.root, svc);
	if ((s = file_read(path, 64, NULL)) != NULL) {
		pid = strtol(s, NULL, 10);
		free(s);
		if (pid > 0 && kill((pid_t)pid, 0) == 0)
			return "running";
	}
	return access(bin, X_OK) == 0 ? "stopped" : "absent";
}

void
sysinfo_machine_id(const struct node_conf *c, char out[64])
{
	char path[NODE_PATH_MAX], *s;
	size_t n;

	snprintf(path, sizeof(path), "%s/machine-id", c->state_dir);
	if (strcmp(c->root, "/") == 0 &&
	    (s = file_read("/etc/machine-id", 128, NULL)) != NULL)
		goto got;
	if ((s = file_read(path, 128, NULL)) != NULL)
		goto got;
	/* A node under its own host root on a shared machine gets its own
	 * id, kept in its state dir. */
	rand_hex(out, 16);
	file_write_atomic(path, out, strlen(out), 0644);
	return;
got:
	n = strcspn(s, "\r\n");
	s[n] = '\0';
	strlcpy_hf(out, s, 64);
	free(s);
}

void
sysinfo_hostname(const struct node_conf *c, char out[256])
{
	char path[NODE_PATH_MAX], *s, err[VALID_ERR_MAX];

	snprintf(path, sizeof(path), "%s/etc/hostname", c->root);
	if (strcmp(c->root, "/") != 0 &&
	    (s = file_read(path, 300, NULL)) != NULL) {
		s[strcspn(s, "\r\n")] = '\0';
		strlcpy_hf(out, s, 256);
		free(s);
	} else if (gethostname(out, 255) == -1)
		strlcpy_hf(out, "localhost", 256);
	out[255] = '\0';
	if (valid_hostname("hostname", out, err) == -1)
		strlcpy_hf(out, "localhost", 256);
}

char *
sysinfo_json(struct node_agent *a, const char *roles)
{
	struct sysinfo si;
	struct statvfs vfs;
	double load[3] = { 0, 0, 0 };
	json_t *j, *svc, *versions, *usage;
	int64_t usage_at;
	char host[256];
	size_t i;
	char *s;

	getloadavg(load, 3);
	memset(&si, 0, sizeof(si));
	sysinfo(&si);
	memset(&vfs, 0, sizeof(vfs));
	statvfs(a->conf.root, &vfs);
	sysinfo_hostname(&a->conf, host);
	svc = json_object();
	for (i = 0; i < sizeof(role_services) / sizeof(role_services[0]); i++)
		if (roles_have(roles, role_services[i].role))
			json_object_set_new(svc, role_services[i].service,
			    json_string(service_state(a,
			    role_services[i].service,
			    role_services[i].binary)));
	for (i = 0; i < U_N; i++)
		if (roles_have(roles, unit_role((enum unit)i)))
			json_object_set_new(svc, unit_name((enum unit)i),
			    json_string(a->conf.services ? svcctl_state(a,
			    (enum unit)i) : "unmanaged"));
	versions = json_object();
	for (i = 0; i < sd_ntypes; i++) {
		const struct dtype *t = &sd_types[i];
		struct typestate *ts = &a->types[i];
		int64_t v;
		int intact;
		size_t n;

		apply_status(a, t, &v, &intact, &n);
		json_object_set_new(versions, t->name, json_pack(
		    "{s:I,s:b,s:I,s:I,s:I}", "version", (json_int_t)v,
		    "intact", intact, "items", (json_int_t)n, "pushes",
		    (json_int_t)ts->pushes, "applies", (json_int_t)ts->applies));
	}
	usage = usage_json(a, &usage_at);
	j = json_pack("{s:I,s:s,s:s,s:s,s:[f,f,f],s:{s:I,s:I},s:{s:I,s:I},"
	    "s:I,s:I,s:b,s:s,s:o,s:o,s:o,s:I}",
	    "node_id", (json_int_t)a->node_id,
	    "name", a->name,
	    "machine_id", a->machine_id,
	    "hostname", host,
	    "load", load[0], load[1], load[2],
	    "mem", "total", (json_int_t)((uint64_t)si.totalram * si.mem_unit),
	    "available", (json_int_t)(((uint64_t)si.freeram + si.bufferram) *
	    si.mem_unit),
	    "disk", "total", (json_int_t)((uint64_t)vfs.f_blocks *
	    vfs.f_frsize),
	    "free", (json_int_t)((uint64_t)vfs.f_bavail * vfs.f_frsize),
	    "uptime", (json_int_t)si.uptime,
	    "agent_uptime", (json_int_t)((mono_ms() - a->started) / 1000),
	    "started", node_started(a),
	    "version", HF_VERSION,
	    "services", svc,
	    "versions", versions,
	    "usage", usage,
	    "usage_at", (json_int_t)usage_at);
	json_object_set_new(j, "software", pkg_report(a, roles));
	json_object_set_new(j, "drift", drift_json(a));
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}
