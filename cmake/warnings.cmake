# fw_warnings: the warning set every target of ours links. -Werror only with FW_WERROR (CI).
add_library(fw_warnings INTERFACE)
target_compile_options(fw_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local
    -Wnon-virtual-dtor -Wno-missing-field-initializers
    # g++ 12 reports Asio's coroutine frame allocator as mismatched new/delete (a false positive,
    # GCC bug 109224).
    -Wno-mismatched-new-delete)
if(FW_WERROR)
    target_compile_options(fw_warnings INTERFACE -Werror)
endif()
