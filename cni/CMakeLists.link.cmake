# The kernel side of the CNI plugin: veth pairs across network namespaces, their addresses and
# routes, read back for CHECK and listed for GC (cni/container_link.hpp). Included by
# cni/CMakeLists.txt; separate from the pure sluice_cni so that its unit tests need no root.
add_library(sluice_cni_link STATIC
  ${CMAKE_CURRENT_LIST_DIR}/container_link.cpp
  ${CMAKE_CURRENT_LIST_DIR}/netns_guard.cpp
)
target_link_libraries(sluice_cni_link PUBLIC sluice_platform sluice_tunnel)
