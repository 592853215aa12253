#include "cni/link_failure.hpp"

namespace sluice::cni {

CniError link_failure(const LinkError& error) {
  switch (error.kind()) {
    case LinkError::Kind::no_netns:
      return {ErrorCode::unknown_container, error.what()};
    case LinkError::Kind::exists:
      return {ErrorCode::interface_taken, error.what()};
    case LinkError::Kind::os:
      break;
  }
  return {ErrorCode::io_failure, error.what()};
}

}  // namespace sluice::cni
