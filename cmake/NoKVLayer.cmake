# nokv_layer(): one static library per lib/<layer> folder, plus its test
# binary. Every layer states the layers it builds on (DEPS), so an include of
# a layer above it does not link, and scripts/check_layers.sh (ctest
# `layers.includes`) fails on the include itself.
#
#   nokv_layer(<name>
#              [DEPS <targets>...]          public: layers and libraries this one uses
#              [PRIVATE_DEPS <targets>...]  used only inside the layer's .cc files
#              [EXCLUDE <files>...]         .cc files of the folder built elsewhere
#              [TEST_DEPS <targets>...])    extra libraries for <name>_test only
#
# Sources are the folder's *.cc files except *_test.cc; tests are the folder's
# *_test.cc files, linked into <name>_test with GoogleTest and lib/testutil,
# each test registered with ctest as "<name>.<Suite>.<Test>".
function(nokv_layer name)
  cmake_parse_arguments(L "" "" "DEPS;PRIVATE_DEPS;EXCLUDE;TEST_DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER srcs EXCLUDE REGEX ".*_test\\.cc$")
  foreach(excluded ${L_EXCLUDE})
    list(REMOVE_ITEM srcs ${CMAKE_CURRENT_SOURCE_DIR}/${excluded})
  endforeach()
  if(srcs)
    add_library(nokv_${name} STATIC ${srcs})
    target_include_directories(nokv_${name} PUBLIC ${PROJECT_SOURCE_DIR}/lib)
    target_link_libraries(nokv_${name} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  else()  # header-only or tests-only layer
    add_library(nokv_${name} INTERFACE)
    target_include_directories(nokv_${name} INTERFACE ${PROJECT_SOURCE_DIR}/lib)
    target_link_libraries(nokv_${name} INTERFACE ${L_DEPS})
  endif()
  nokv_layer_tests(${name} nokv_${name} ${L_TEST_DEPS})
endfunction()

# nokv_layer_tests(<name> <libs>...): <name>_test from the folder's *_test.cc.
function(nokv_layer_tests name)
  if(NOT NOKV_BUILD_TESTS)
    return()
  endif()
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(NOT tests)
    return()
  endif()
  add_executable(${name}_test ${tests})
  target_link_libraries(${name}_test PRIVATE ${ARGN} nokv_testutil GTest::gtest_main
                                             GTest::gmock)
  target_compile_definitions(${name}_test PRIVATE
                             NOKV_TESTDATA_DIR="${PROJECT_SOURCE_DIR}/testdata")
  gtest_discover_tests(${name}_test TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS "unit;${name}")
endfunction()
