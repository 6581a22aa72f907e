#include "sim/trace.hpp"

#include <string>

namespace boa::sim {

void trace::mix(std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash_ ^= c;
    hash_ *= 1099511628211ull;
  }
}

void trace::record(std::initializer_list<std::string_view> fields) {
  for (auto field : fields) {
    auto size = std::to_string(field.size());
    mix(size);
    mix(":");
    mix(field);
  }
  mix("\n");
  ++events_;
  if (listener_)
    listener_(fields);
  if (text_) {
    const char* separator = "";
    for (auto field : fields) {
      *text_ << separator << field;
      separator = "\t";
    }
    *text_ << '\n';
  }
}

} // namespace boa::sim
