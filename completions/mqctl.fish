# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mqctl_global_optspecs
    string join \n server= context= o/output= q/quiet timeout= no-color h/help V/version
end

function __fish_mqctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mqctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mqctl_using_subcommand
    set -l cmd (__fish_mqctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mqctl -n "__fish_mqctl_needs_command" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_needs_command" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_needs_command" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_needs_command" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_needs_command" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_needs_command" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_needs_command" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_needs_command" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "topic" -d 'Create, list, describe, alter and delete topics'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "produce" -d 'Produce records from arguments, stdin lines or a file'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "consume" -d 'Print records of a topic'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "group" -d 'Consumer and queue groups: list, describe, reset offsets, delete'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "diff" -d 'Print the plan from the live topics to a desired-state file'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "apply" -d 'Make the live topics match a desired-state file (the plan `diff` prints)'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "stats" -d 'The broker\'s figures: rates, partitions, and consumer lag with its status'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "bench" -d 'Load a broker and report throughput and latency (compare with --baseline)'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "alert" -d 'Alerts raised by the broker\'s rules: list, acknowledge, rules'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "cluster" -d 'The cluster: controller status, brokers, health probe'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "broker" -d 'This broker\'s run-time settings'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "context" -d 'Named connection settings kept in the contexts file'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "man" -d 'Write man pages for mqctl and its subcommands into a directory'
complete -c mqctl -n "__fish_mqctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -f -a "create" -d 'Create a topic'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -f -a "list" -d 'List topics, optionally only those whose name contains FILTER'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -f -a "describe" -d 'Configs and per-partition offsets, size, leader, replicas and ISR'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -f -a "alter-config" -d 'Set configs, or return them to their defaults'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -f -a "add-partitions" -d 'Grow a topic to a new total partition count'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -f -a "delete" -d 'Delete a topic and its records (asks on a terminal unless --yes)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and not __fish_seen_subcommand_from create list describe alter-config add-partitions delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s p -l partitions -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s r -l replication-factor -d '0 = the cluster\'s default' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s c -l config -d 'A topic config, repeatable (e.g. --config retention.ms=86400000)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l if-not-exists -d 'Succeed without change when the topic exists'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l dry-run -d 'Print what would be created instead of creating it'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -l internal -d 'Also list internal topics (names starting with "__")'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l set -d 'KEY=VALUE to set, repeatable' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l delete -d 'KEY to return to its default, repeatable' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l dry-run -d 'Print the before -> after table instead of changing anything'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from alter-config" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l total -d 'The new total' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l dry-run
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from add-partitions" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Do not ask; required when stdin is not a terminal'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l dry-run
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a topic'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "list" -d 'List topics, optionally only those whose name contains FILTER'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Configs and per-partition offsets, size, leader, replicas and ISR'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "alter-config" -d 'Set configs, or return them to their defaults'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "add-partitions" -d 'Grow a topic to a new total partition count'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a topic and its records (asks on a terminal unless --yes)'
complete -c mqctl -n "__fish_mqctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -s f -l file -d 'Read one value per line from this file instead of stdin' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -s K -l key-separator -d 'Split each line at the first SEP into key and value' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -s H -l header -d 'A header for every record, repeatable' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -s p -l partition -d 'Send every record to this partition (default: by key, else spread)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -l acks -r -f -a "none\t''
leader\t''
all\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -l compression -d 'none, gzip, snappy, lz4 or zstd' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -l no-idempotence -d 'Turn off the idempotent producer (on by default)'
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -l dry-run -d 'Parse the input and print what would be sent, without sending'
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand produce" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l offset -d 'Start at this offset (with --partition)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l from-time -d 'Start at the first record at or after this time (RFC 3339, or ms since the epoch)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -s p -l partition -d 'Only this partition' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -s n -l count -d 'Stop after N records' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -s g -l group -d 'Read as a member of this consumer group, committing what was printed' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l format -d 'Output template with {key} {value} {headers} {partition} {offset} {timestamp} {topic}' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l idle -d 'How long to wait for records before stopping, without --follow' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l from-beginning -d 'Start at the oldest retained record'
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l from-end -d 'Start after the last record (only new ones; the default without --group)'
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -s f -l follow -d 'Keep waiting for new records (until Ctrl-C or -n)'
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand consume" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -f -a "list" -d 'Consumer and queue groups with their state'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -f -a "describe" -d 'Members, assignments, committed offsets and lag (or a queue\'s deliveries)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -f -a "reset-offsets" -d 'Move a consumer group\'s committed offsets (prints the plan unless --execute)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -f -a "check" -d 'Exit 6 when a consumer group\'s lag status is WARNING, STALLED or STOPPED'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -f -a "delete" -d 'Forget a group and its offsets (asks on a terminal unless --yes)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and not __fish_seen_subcommand_from list describe reset-offsets check delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from list" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from list" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from list" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from list" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s t -l topic -d 'TOPIC or TOPIC:P,P,... repeatable; every partition when none are named' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-offset -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-datetime -d 'RFC 3339 time, or ms since the epoch' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l shift-by -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-earliest
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-latest
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l execute -d 'Apply the plan (without it, only print it)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l dry-run -d 'Print the plan without applying it (the default; for symmetry with other verbs)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from check" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from check" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from check" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from check" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s y -l yes
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -l dry-run
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "list" -d 'Consumer and queue groups with their state'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Members, assignments, committed offsets and lag (or a queue\'s deliveries)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "reset-offsets" -d 'Move a consumer group\'s committed offsets (prints the plan unless --execute)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "check" -d 'Exit 6 when a consumer group\'s lag status is WARNING, STALLED or STOPPED'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Forget a group and its offsets (asks on a terminal unless --yes)'
complete -c mqctl -n "__fish_mqctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -s f -l file -d 'Desired-state TOML file (see docs/mqctl.md)' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -l prune -d 'Also plan deleting topics the file does not name'
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand diff" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -s f -l file -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -l prune -d 'Also delete topics the file does not name'
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -l dry-run -d 'Print the plan only (as `diff`)'
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand apply" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -l interval -r
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -s w -l watch -d 'Print a new snapshot every --interval until Ctrl-C'
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand stats" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -l save -d 'Write this run\'s figures to FILE (JSON) for later comparison' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -l baseline -d 'Compare with a saved run; exit 1 when throughput drops, or p99 latency rises, by more than --threshold percent' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -l threshold -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -f -a "produce" -d 'Produce records as fast as acknowledgements allow (or at --rate)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -f -a "consume" -d 'Read records of a filled topic from the start'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -f -a "queue" -d 'Receive and ack a filled topic with a queue group'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and not __fish_seen_subcommand_from produce consume queue help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l topic -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l partitions -d 'Partitions when the topic is created' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l replication-factor -d 'Replicas per partition when the topic is created (0: the cluster\'s default, up to 3)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l min-insync -d 'min.insync.replicas of the topic when it is created' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l producers -d 'Concurrent producers, each with its own connection' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l records -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l record-size -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l acks -r -f -a "none\t''
leader\t''
all\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l compression -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l batch-bytes -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l linger-ms -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l rate -d 'Records per second across producers (default: as fast as possible)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l save -d 'Write this run\'s figures to FILE (JSON) for later comparison' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l baseline -d 'Compare with a saved run; exit 1 when throughput drops, or p99 latency rises, by more than --threshold percent' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l threshold -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l no-idempotence
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from produce" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l topic -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l records -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l save -d 'Write this run\'s figures to FILE (JSON) for later comparison' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l baseline -d 'Compare with a saved run; exit 1 when throughput drops, or p99 latency rises, by more than --threshold percent' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l threshold -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from consume" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l topic -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l receivers -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l records -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l max-records -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l save -d 'Write this run\'s figures to FILE (JSON) for later comparison' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l baseline -d 'Compare with a saved run; exit 1 when throughput drops, or p99 latency rises, by more than --threshold percent' -r -F
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l threshold -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from queue" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "produce" -d 'Produce records as fast as acknowledgements allow (or at --rate)'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "consume" -d 'Read records of a filled topic from the start'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "queue" -d 'Receive and ack a filled topic with a queue group'
complete -c mqctl -n "__fish_mqctl_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -f -a "list" -d 'Alerts, optionally only those in one state'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -f -a "ack" -d 'Mark a firing alert as seen, with a note'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -f -a "rules" -d 'The rules in force'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and not __fish_seen_subcommand_from list ack rules help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -l state -r -f -a "pending\t''
firing\t''
acknowledged\t''
resolved\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -l note -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from ack" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -f -a "list" -d 'Every rule (config file, with rules set here winning by name)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -f -a "set" -d 'Add or replace a rule; stored by the broker'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from rules" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from help" -f -a "list" -d 'Alerts, optionally only those in one state'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from help" -f -a "ack" -d 'Mark a firing alert as seen, with a note'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from help" -f -a "rules" -d 'The rules in force'
complete -c mqctl -n "__fish_mqctl_using_subcommand alert; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -f -a "status" -d 'The controller: leader, Raft term, commit index, voters'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -f -a "brokers" -d 'Every broker with its liveness, last heartbeat and partitions led'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -f -a "partitions" -d 'Partitions with their leader, replicas, in-sync replicas and health'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -f -a "health" -d 'Exit 6 unless a controller is elected, every broker is alive and no partition is under-replicated or offline'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -f -a "wait" -d 'Wait until the cluster is healthy (as `health`); exit 6 if it is not within --timeout'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -f -a "elect-leader" -d 'Give leadership back to preferred replicas (after a failover or a rolling restart left leaders uneven)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -f -a "reassign" -d 'Move a partition\'s replicas to other brokers; the new replicas catch up before the old ones are dropped'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and not __fish_seen_subcommand_from status brokers partitions health wait elect-leader reassign help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from brokers" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l topic -d 'Only this topic\'s partitions (default: every topic)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l under-replicated -d 'Only partitions with fewer in-sync replicas than replicas'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l offline -d 'Only partitions without a live leader'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from partitions" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from health" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from health" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from health" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from health" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from health" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from health" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from health" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from health" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -l timeout -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -l healthy -d 'Wait for health (the only condition there is; for readable scripts)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from wait" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -l topic -d 'Only this topic (default: every topic)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -l partition -d 'Only this partition of --topic' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from elect-leader" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -l replicas -d 'The new replicas, preferred leader first (e.g. 2,3)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -l timeout -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -l wait -d 'Wait until the move is complete'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from reassign" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "status" -d 'The controller: leader, Raft term, commit index, voters'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "brokers" -d 'Every broker with its liveness, last heartbeat and partitions led'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "partitions" -d 'Partitions with their leader, replicas, in-sync replicas and health'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "health" -d 'Exit 6 unless a controller is elected, every broker is alive and no partition is under-replicated or offline'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "wait" -d 'Wait until the cluster is healthy (as `health`); exit 6 if it is not within --timeout'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "elect-leader" -d 'Give leadership back to preferred replicas (after a failover or a rolling restart left leaders uneven)'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "reassign" -d 'Move a partition\'s replicas to other brokers; the new replicas catch up before the old ones are dropped'
complete -c mqctl -n "__fish_mqctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -f -a "safe-to-stop" -d 'Exit 0 if stopping this broker now keeps the controller\'s majority and every partition online and at min.insync.replicas; else exit 6'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -f -a "set-log-level" -d 'Replace the log filter while mqd runs (until its next restart)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and not __fish_seen_subcommand_from safe-to-stop set-log-level help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from safe-to-stop" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from safe-to-stop" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from safe-to-stop" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from safe-to-stop" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from safe-to-stop" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from safe-to-stop" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from safe-to-stop" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from safe-to-stop" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -l dry-run -d 'Check the filter and show the current one, changing nothing'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from set-log-level" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "safe-to-stop" -d 'Exit 0 if stopping this broker now keeps the controller\'s majority and every partition online and at min.insync.replicas; else exit 6'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "set-log-level" -d 'Replace the log filter while mqd runs (until its next restart)'
complete -c mqctl -n "__fish_mqctl_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -f -a "list" -d 'Every context, the current one marked'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -f -a "use" -d 'Make NAME the current context'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -f -a "add" -d 'Add or replace a context'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -f -a "remove" -d 'Remove a context'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -f -a "show" -d 'The settings of a context (the current one by default)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and not __fish_seen_subcommand_from list use add remove show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from list" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from list" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from list" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from list" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from use" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from use" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from use" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from use" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from use" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from use" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from use" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from use" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -l server -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -l read-only -d 'Refuse every mutating verb in this context'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from remove" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from remove" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from remove" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from remove" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from show" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from show" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from show" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from show" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every context, the current one marked'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "use" -d 'Make NAME the current context'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add or replace a context'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a context'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "show" -d 'The settings of a context (the current one by default)'
complete -c mqctl -n "__fish_mqctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand completions" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand completions" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand completions" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand completions" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand completions" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand completions" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand man" -l server -d 'Broker address, or a comma-separated bootstrap list [default: the context\'s, else http://127.0.0.1:7420]' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand man" -l context -d 'Named context from the contexts file (see `mqctl context`)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand man" -s o -l output -d 'Output format; json is stable for scripts (see docs/mqctl.md)' -r -f -a "table\t''
wide\t''
json\t''"
complete -c mqctl -n "__fish_mqctl_using_subcommand man" -l timeout -d 'Give up on connecting and on each call after this long (e.g. 500ms, 10s, 2m)' -r
complete -c mqctl -n "__fish_mqctl_using_subcommand man" -s q -l quiet -d 'Print nothing on success (errors still go to stderr)'
complete -c mqctl -n "__fish_mqctl_using_subcommand man" -l no-color -d 'No colors (also when NO_COLOR is set or output is not a terminal)'
complete -c mqctl -n "__fish_mqctl_using_subcommand man" -s h -l help -d 'Print help'
complete -c mqctl -n "__fish_mqctl_using_subcommand man" -s V -l version -d 'Print version'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "topic" -d 'Create, list, describe, alter and delete topics'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "produce" -d 'Produce records from arguments, stdin lines or a file'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "consume" -d 'Print records of a topic'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "group" -d 'Consumer and queue groups: list, describe, reset offsets, delete'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "diff" -d 'Print the plan from the live topics to a desired-state file'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "apply" -d 'Make the live topics match a desired-state file (the plan `diff` prints)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "stats" -d 'The broker\'s figures: rates, partitions, and consumer lag with its status'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "bench" -d 'Load a broker and report throughput and latency (compare with --baseline)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "alert" -d 'Alerts raised by the broker\'s rules: list, acknowledge, rules'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "cluster" -d 'The cluster: controller status, brokers, health probe'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "broker" -d 'This broker\'s run-time settings'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "context" -d 'Named connection settings kept in the contexts file'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "man" -d 'Write man pages for mqctl and its subcommands into a directory'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and not __fish_seen_subcommand_from topic produce consume group diff apply stats bench alert cluster broker context completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "create" -d 'Create a topic'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "list" -d 'List topics, optionally only those whose name contains FILTER'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "describe" -d 'Configs and per-partition offsets, size, leader, replicas and ISR'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "alter-config" -d 'Set configs, or return them to their defaults'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "add-partitions" -d 'Grow a topic to a new total partition count'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "delete" -d 'Delete a topic and its records (asks on a terminal unless --yes)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "list" -d 'Consumer and queue groups with their state'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "describe" -d 'Members, assignments, committed offsets and lag (or a queue\'s deliveries)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "reset-offsets" -d 'Move a consumer group\'s committed offsets (prints the plan unless --execute)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "check" -d 'Exit 6 when a consumer group\'s lag status is WARNING, STALLED or STOPPED'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "delete" -d 'Forget a group and its offsets (asks on a terminal unless --yes)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "produce" -d 'Produce records as fast as acknowledgements allow (or at --rate)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "consume" -d 'Read records of a filled topic from the start'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "queue" -d 'Receive and ack a filled topic with a queue group'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from alert" -f -a "list" -d 'Alerts, optionally only those in one state'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from alert" -f -a "ack" -d 'Mark a firing alert as seen, with a note'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from alert" -f -a "rules" -d 'The rules in force'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "status" -d 'The controller: leader, Raft term, commit index, voters'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "brokers" -d 'Every broker with its liveness, last heartbeat and partitions led'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "partitions" -d 'Partitions with their leader, replicas, in-sync replicas and health'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "health" -d 'Exit 6 unless a controller is elected, every broker is alive and no partition is under-replicated or offline'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "wait" -d 'Wait until the cluster is healthy (as `health`); exit 6 if it is not within --timeout'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "elect-leader" -d 'Give leadership back to preferred replicas (after a failover or a rolling restart left leaders uneven)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "reassign" -d 'Move a partition\'s replicas to other brokers; the new replicas catch up before the old ones are dropped'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "safe-to-stop" -d 'Exit 0 if stopping this broker now keeps the controller\'s majority and every partition online and at min.insync.replicas; else exit 6'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "set-log-level" -d 'Replace the log filter while mqd runs (until its next restart)'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "list" -d 'Every context, the current one marked'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "use" -d 'Make NAME the current context'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "add" -d 'Add or replace a context'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "remove" -d 'Remove a context'
complete -c mqctl -n "__fish_mqctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "show" -d 'The settings of a context (the current one by default)'
