#define BOOST_TEST_MODULE sluice unit tests
#include <boost/test/unit_test.hpp>
