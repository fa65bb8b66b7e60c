/* node.h - the node agent. */
#ifndef HF_NODE_H
#define HF_NODE_H

#include <stdint.h>

#include "../common/httpd.h"

struct node_conf {
	char	 state_dir[512];
	char	 addr[64];
	int	 port;
	char	 root[512];
	char	 join_url[256];
	char	 join_token[256];
	int	 verbose;
};

struct node_agent {
	struct node_conf	 conf;
	int64_t			 node_id;
	char			 name[64];
	char			 machine_id[64];
	struct httpd		*rpc;
	int64_t			 started;
};

/* join.c */
int	 node_join(struct node_conf *, const char *url, const char *token);
/* sysinfo.c: the answer of GET /v1/stats; the caller frees it. */
char	*sysinfo_json(struct node_agent *, const char *roles);
/* Reads or makes the machine id under the host root or the state dir. */
void	 sysinfo_machine_id(const struct node_conf *, char out[64]);
void	 sysinfo_hostname(const struct node_conf *, char out[256]);
/* rpc.c */
void	 rpc_serve(struct http_req *, struct http_resp *, void *agent);

int	 node_main(int argc, char **argv);

#endif
