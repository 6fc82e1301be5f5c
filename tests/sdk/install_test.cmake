# cmake -P script behind the sdk_install_test ctest: installs the SDK component into a temporary
# prefix, then builds and runs a tiny program against it twice, with find_package(tracelake)
# and with pkg-config.
#   -DBUILD_DIR= -DSOURCE_DIR= -DWORK_DIR= -DCXX= -DCXX_FLAGS= -DGENERATOR=
cmake_minimum_required(VERSION 3.22)
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --component sdk --prefix ${prefix})
foreach(f include/tracelake/tracelake.h include/tracelake/status.h)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
file(GLOB_RECURSE pc_files ${prefix}/*/tracelake.pc)
file(GLOB_RECURSE config_files ${prefix}/*/tracelakeConfig.cmake)
if(NOT pc_files OR NOT config_files)
  message(FATAL_ERROR "tracelake.pc or tracelakeConfig.cmake not installed")
endif()

# 1. find_package(tracelake)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/sdk/install_consumer -B ${WORK_DIR}/cmake-build
    -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-build)
run(${WORK_DIR}/cmake-build/consumer)
if(NOT LAST_OUTPUT MATCHES "consumer ok \\[1,2\\]")
  message(FATAL_ERROR "unexpected output: ${LAST_OUTPUT}")
endif()

# 2. pkg-config
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir ${pc_file} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
run(pkg-config --cflags --libs tracelake)
string(STRIP "${LAST_OUTPUT}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(extra UNIX_COMMAND "${CXX_FLAGS}")
run(pkg-config --variable=libdir tracelake)
string(STRIP "${LAST_OUTPUT}" libdir)
run(${CXX} ${extra} ${SOURCE_DIR}/tests/sdk/install_consumer/main.cc ${pc_flags}
    -Wl,-rpath,${libdir} -o ${WORK_DIR}/consumer-pc)
run(${WORK_DIR}/consumer-pc)
if(NOT LAST_OUTPUT MATCHES "consumer ok")
  message(FATAL_ERROR "unexpected output: ${LAST_OUTPUT}")
endif()
message(STATUS "installed SDK works with find_package and pkg-config")
