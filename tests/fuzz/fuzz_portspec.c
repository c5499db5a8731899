int ep_dummy_fuzz_portspec(void); int ep_dummy_fuzz_portspec(void){return 0;}
