# greenlight_add_proto(TARGET PROTOS...): one static library holding the generated C++ of
# the given .proto files. The only place protoc is invoked; generated headers land in
# ${CMAKE_CURRENT_BINARY_DIR}/gen and are included as "greenlight/proto/NAME.pb.h".
function(greenlight_add_proto target)
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/gen/greenlight/proto)
  file(MAKE_DIRECTORY ${gen_dir})
  set(srcs)
  foreach(proto IN LISTS ARGN)
    get_filename_component(abs ${proto} ABSOLUTE)
    get_filename_component(dir ${abs} DIRECTORY)
    get_filename_component(name ${proto} NAME_WE)
    add_custom_command(
      OUTPUT ${gen_dir}/${name}.pb.cc ${gen_dir}/${name}.pb.h
      COMMAND protobuf::protoc --cpp_out=${gen_dir} -I ${dir} ${abs}
      DEPENDS ${abs} protobuf::protoc
      COMMENT "protoc ${name}.proto"
      VERBATIM)
    list(APPEND srcs ${gen_dir}/${name}.pb.cc)
  endforeach()
  add_library(${target} STATIC ${srcs})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_features(${target} PUBLIC cxx_std_23)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_BINARY_DIR}/gen>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
endfunction()
