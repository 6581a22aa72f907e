#pragma once

namespace boa::storage {

struct job_record;
class job_store;
class job_folders;

} // namespace boa::storage
