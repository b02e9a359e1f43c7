# Installs the interop tests' npm packages from the committed lock file, once.
#
#   cmake -DNPM=/usr/bin/npm -DNODE=/usr/bin/node -DINTEROP_DIR=<this folder> -P npm_ci.cmake
#
# Runs `npm ci` into INTEROP_DIR/node_modules unless the stamp there says node_modules was
# installed from this very package-lock.json (and nothing has reinstalled into it since), so a
# repeated `make test` costs a few milliseconds. CTest runs it as the FIXTURES_SETUP test
# `interop.npm_ci`; a lock file (cmake's file(LOCK)) keeps two build trees from installing at once.
cmake_minimum_required(VERSION 3.25)

foreach(var NPM NODE INTEROP_DIR)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "npm_ci.cmake: -D${var}=... is required")
    endif()
endforeach()

set(lock_json "${INTEROP_DIR}/package-lock.json")
set(modules "${INTEROP_DIR}/node_modules")
# npm's own record of what it installed; rewritten by any later npm install into node_modules.
set(hidden_lock "${modules}/.package-lock.json")
set(stamp "${modules}/.parley-npm-ci.stamp")

if(NOT EXISTS "${lock_json}")
    message(FATAL_ERROR "npm_ci.cmake: ${lock_json} is missing; it is committed with the tests")
endif()

# What node_modules must have been installed from: the lock file, and the node that ran npm.
function(expected_stamp out)
    file(SHA256 "${lock_json}" lock_hash)
    execute_process(COMMAND "${NODE}" --version OUTPUT_VARIABLE node_version
        OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "npm_ci.cmake: `${NODE} --version` failed (${rc})")
    endif()
    set(${out} "lock=${lock_hash}\nnode=${node_version}\n" PARENT_SCOPE)
endfunction()

# The stamp is "<expected>installed=<hash of npm's hidden lock>": it goes stale when the lock file
# or node changes, when node_modules is deleted, or when someone runs npm install into it.
function(stamp_is_current result)
    set(${result} FALSE PARENT_SCOPE)
    if(NOT EXISTS "${stamp}" OR NOT EXISTS "${hidden_lock}")
        return()
    endif()
    expected_stamp(expected)
    file(SHA256 "${hidden_lock}" hidden_hash)
    file(READ "${stamp}" actual)
    if(actual STREQUAL "${expected}installed=${hidden_hash}\n")
        set(${result} TRUE PARENT_SCOPE)
    endif()
endfunction()

stamp_is_current(current)
if(current)
    message(STATUS "interop: node_modules is up to date with package-lock.json; npm ci skipped")
    return()
endif()

file(LOCK "${INTEROP_DIR}/.npm-ci.lock" GUARD PROCESS TIMEOUT 600 RESULT_VARIABLE lock_result)
if(NOT lock_result STREQUAL "0")
    message(FATAL_ERROR "npm_ci.cmake: could not lock ${INTEROP_DIR}/.npm-ci.lock: ${lock_result}")
endif()
# Another process may have installed while this one waited for the lock.
stamp_is_current(current)
if(current)
    message(STATUS "interop: node_modules was installed meanwhile; npm ci skipped")
    return()
endif()

message(STATUS "interop: npm ci --no-audit --no-fund in ${INTEROP_DIR}")
execute_process(
    COMMAND "${NPM}" ci --no-audit --no-fund
    WORKING_DIRECTORY "${INTEROP_DIR}"
    RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    file(REMOVE "${stamp}")
    message(FATAL_ERROR "npm_ci.cmake: `npm ci` failed (${rc})")
endif()
if(NOT EXISTS "${hidden_lock}")
    message(FATAL_ERROR "npm_ci.cmake: npm ci left no ${hidden_lock}")
endif()

expected_stamp(expected)
file(SHA256 "${hidden_lock}" hidden_hash)
file(WRITE "${stamp}" "${expected}installed=${hidden_hash}\n")
message(STATUS "interop: node_modules installed")
