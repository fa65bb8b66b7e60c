/* demo.h - `hostfleet demo`: a master and three nodes on 127.0.0.1-3. */
#ifndef HF_DEMO_H
#define HF_DEMO_H

int	 demo_main(int argc, char **argv);

#endif
