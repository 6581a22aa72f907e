// A shared library that is not a step plugin: it lacks boa_register_steps.
extern "C" int boa_not_a_step_plugin() {
  return 42;
}
