# parley_warnings(target): the warning set for Parley's own code. Third-party headers are
# included as SYSTEM by their imported targets, so these flags never fire on them.
function(parley_warnings target)
    target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
        -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
        # Options structs are filled with designated initializers that name only what differs
        # from the defaults (STYLE.md 18); g++ 12 would flag every member left out.
        -Wno-missing-field-initializers)
    # -Wnull-dereference is left out: at -O2 g++ 12 reports it inside libstdc++'s own string
    # code as instantiated by CLI11, where no null pointer exists.
    if(PARLEY_SANITIZE)
        # Under -fsanitize=address g++ 12's flow analysis reports "may be used uninitialized"
        # inside Boost.Beast's HTTP parser (boost::optional), where nothing is uninitialized.
        target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
    if(PARLEY_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
