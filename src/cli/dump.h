/* dump.h - `hostfleet dump`: what a master's or a node's store holds, one
 * JSON object a line, read-only, for tests and for people looking into a
 * running cluster without SQL. */
#ifndef HF_DUMP_H
#define HF_DUMP_H

int	 dump_main(int argc, char **argv);

#endif
