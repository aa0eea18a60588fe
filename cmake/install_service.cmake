# Run by `cmake --install` (see install.cmake): writes the systemd unit for
# the prefix being installed to, and the service config unless one exists.
# Paths inside the unit are the final ones, without DESTDIR (file(INSTALL)
# adds DESTDIR to its destination by itself).
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(IS_ABSOLUTE "${TWINSTAR_BINDIR}")
  set(bindir "${TWINSTAR_BINDIR}")
else()
  set(bindir "${prefix}/${TWINSTAR_BINDIR}")
endif()
# As GNUInstallDirs does: the /usr prefix keeps its configuration in /etc.
if(IS_ABSOLUTE "${TWINSTAR_SYSCONFDIR}")
  set(sysconfdir "${TWINSTAR_SYSCONFDIR}")
elseif(prefix STREQUAL "/usr")
  set(sysconfdir "/etc")
else()
  set(sysconfdir "${prefix}/${TWINSTAR_SYSCONFDIR}")
endif()

set(TWINSTAR_EXECUTABLE "${bindir}/twinstar")
set(TWINSTAR_CONFIG "${sysconfdir}/twinstar/twinstar.toml")
# One staging file per destination: installs to two prefixes may run at once.
string(MD5 destination "$ENV{DESTDIR}${prefix}")
set(unit "${TWINSTAR_WORK_DIR}/install-${destination}/twinstar.service")
configure_file("${TWINSTAR_SOURCE_DIR}/dist/twinstar.service.in" "${unit}" @ONLY)
file(INSTALL "${unit}" DESTINATION "${prefix}/${TWINSTAR_UNIT_DIR}")

set(config "$ENV{DESTDIR}${TWINSTAR_CONFIG}")
if(EXISTS "${config}")
  message(STATUS "Keeping: ${config}")
else()
  file(INSTALL "${TWINSTAR_SOURCE_DIR}/dist/twinstar.toml" DESTINATION "${sysconfdir}/twinstar")
endif()
