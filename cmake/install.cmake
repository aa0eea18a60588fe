# `cmake --install`: the binary, its man pages, the systemd unit, the
# sysusers.d snippet, an example service config and a logrotate example.
include(GNUInstallDirs)

# The man pages are written in scdoc (doc/*.scd) and compiled at build time.
find_program(SCDOC scdoc REQUIRED)
set(TWINSTAR_MAN_PAGES twinstar.1 twinstar.toml.5)
set(TWINSTAR_MAN_OUTPUTS)
foreach(page IN LISTS TWINSTAR_MAN_PAGES)
  set(source ${CMAKE_CURRENT_SOURCE_DIR}/doc/${page}.scd)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/man/${page})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
    COMMAND ${SCDOC} < ${source} > ${output}
    DEPENDS ${source}
    COMMENT "scdoc ${page}"
    VERBATIM)
  list(APPEND TWINSTAR_MAN_OUTPUTS ${output})
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${output} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(twinstar_man ALL DEPENDS ${TWINSTAR_MAN_OUTPUTS})

install(TARGETS twinstar RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Relative to the prefix, so that /usr/local installs land where systemd
# still looks (/usr/local/lib/systemd/system, /usr/local/lib/sysusers.d).
set(TWINSTAR_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING "systemd unit directory, relative to the prefix")
set(TWINSTAR_SYSUSERS_DIR "lib/sysusers.d" CACHE STRING "sysusers.d directory, relative to the prefix")

set(TWINSTAR_EXAMPLES_DIR ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES dist/twinstar.toml DESTINATION ${TWINSTAR_EXAMPLES_DIR})
install(FILES dist/twinstar.logrotate DESTINATION ${TWINSTAR_EXAMPLES_DIR} RENAME logrotate)
install(FILES dist/twinstar.sysusers DESTINATION ${TWINSTAR_SYSUSERS_DIR} RENAME twinstar.conf)

# The unit names the installed binary and config, so it is written at
# install time: `cmake --install --prefix P` gets ExecStart=P/bin/twinstar.
# The config goes to <sysconfdir>/twinstar/ only when none is there: a
# reinstall never overwrites an edited one.
install(CODE "
  set(TWINSTAR_SOURCE_DIR \"${CMAKE_CURRENT_SOURCE_DIR}\")
  set(TWINSTAR_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(TWINSTAR_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(TWINSTAR_UNIT_DIR \"${TWINSTAR_SYSTEMD_UNIT_DIR}\")
  set(TWINSTAR_WORK_DIR \"${CMAKE_CURRENT_BINARY_DIR}\")
")
install(SCRIPT cmake/install_service.cmake)
