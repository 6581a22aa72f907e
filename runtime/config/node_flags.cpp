#include "runtime/config/config_loader.hpp"

#include "runtime/config/detail/setting_table.hpp"

#include <CLI/CLI.hpp>

namespace boa::config {

void add_node_flags(CLI::App& app, flag_values& flags) {
  const std::string group = "Node settings";
  app.add_option(
         "--config", flags.config,
         "Config file (JSON) with node settings; variables and flags override it [BOA_CONFIG]")
      ->type_name("FILE")
      ->group(group);
  for (const auto& s : detail::setting_table()) {
    std::string help(s.info.help);
    help += " [";
    help += s.info.env;
    help += ", key ";
    help += s.info.key;
    help += ", default ";
    help += s.info.default_text;
    help += ']';
    std::string flag(s.info.flag);
    CLI::Option* option = nullptr;
    if (s.flag_list != nullptr)
      option = app.add_option(flag, flags.*s.flag_list, help)
                   ->allow_extra_args(false)
                   ->type_name(std::string(s.info.kind));
    else if (s.is_bool) // a bare flag stores "true"; `--flag=false` says otherwise
      option = app.add_flag(flag, flags.*s.flag_text, help)->type_name("[=BOOL]");
    else
      option = app.add_option(flag, flags.*s.flag_text, help)->type_name(std::string(s.info.kind));
    option->group(group);
  }
}

} // namespace boa::config
