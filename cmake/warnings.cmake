# parley_warnings(target): the warning set for Parley's own code. Third-party headers are
# included as SYSTEM by their imported targets, so these flags never fire on them.
function(parley_warnings target)
    target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
        -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference
        -Wimplicit-fallthrough)
    if(PARLEY_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
