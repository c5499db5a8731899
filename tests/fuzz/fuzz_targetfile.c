int ep_dummy_fuzz_targetfile(void); int ep_dummy_fuzz_targetfile(void){return 0;}
