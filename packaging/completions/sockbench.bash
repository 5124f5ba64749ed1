# bash completion for sockbench                                  -*- shell-script -*-
# Installed as share/bash-completion/completions/sockbench. Needs the bash-completion package
# (_init_completion, _filedir, _available_interfaces). tests/cli/tst_completions checks that the
# options offered here are those of the option tables (app/cli/args/), and that a value is
# completed after exactly those that take one; scripts/test.d/40-package runs it installed.

# Framings --frame takes (the ones with ':' want a value after it).
_sockbench_frames='raw line line:crlf delim: fixed: len:1 len:2be len:2le len:4be len:4le idle:'
# DSCP names --tos takes besides a number.
_sockbench_dscp='CS0 CS1 CS2 CS3 CS4 CS5 CS6 CS7 AF11 AF12 AF13 AF21 AF22 AF23 AF31 AF32 AF33
    AF41 AF42 AF43 EF VA'

_sockbench()
{
    local cur prev words cword split
    _init_completion -s -n :% || return

    # The command, if any, is the first argument.
    local command=""
    ((cword > 1)) && command=${words[1]}

    # Values both commands take alike (--multicast-if is connect's only).
    if [[ $command == listen || $command == connect ]]; then
        case $prev in
            --interface | --multicast-if)
                _available_interfaces
                return
                ;;
            --tos)
                COMPREPLY=($(compgen -W "$_sockbench_dscp" -- "$cur"))
                return
                ;;
            --rules)
                _filedir json
                return
                ;;
            --pcap)
                _filedir pcapng
                return
                ;;
            --cert | --key | --ca | --client-ca)
                # PEM files go by many names (.pem, .crt, .key, .cer): offer every file.
                _filedir
                return
                ;;
            --alpn) return ;;
            --frame)
                COMPREPLY=($(compgen -W "$_sockbench_frames" -- "$cur"))
                return
                ;;
            --keepalive | --sndbuf | --rcvbuf | --ttl | --max-message | --journal-budget) return ;;
        esac
    fi

    case $command in
        listen)
            case $prev in
                --greet | --duration | --join) return ;;
                --replay)
                    _filedir '@(pcap|pcapng|cap)'
                    return
                    ;;
            esac
            $split && return
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '--udp --echo --greet --hex --log --quiet --stats
                    --journal-budget --pcap --duration --join --nodelay --no-nodelay --keepalive --sndbuf --rcvbuf --tos
                    --ttl --interface --reuseport --frame --max-message --rules --tls --cert --key
                    --alpn --client-ca --require-client-cert --replay --help' -- "$cur"))
            fi
            return
            ;;
        connect)
            case $prev in
                --send-file)
                    _filedir
                    return
                    ;;
                --replay)
                    _filedir '@(pcap|pcapng|cap)'
                    return
                    ;;
                --tls-min)
                    COMPREPLY=($(compgen -W '1.2 1.3' -- "$cur"))
                    return
                    ;;
                --send | --send-hex | --repeat | --interval | --wait | --bind | --sni | --speed) return ;;
            esac
            $split && return
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '--udp --send --send-hex --send-file --crlf --lf --repeat
                    --interval --wait --multicast-if --hex --log --quiet --stats --journal-budget --pcap --nodelay
                    --no-nodelay --keepalive --sndbuf --rcvbuf --tos --ttl --interface --bind
                    --frame --max-message --rules --tls --insecure --ca --sni --alpn --cert --key
                    --tls-min --replay --speed --asap --help' -- "$cur"))
            fi
            return
            ;;
        relay)
            case $prev in
                --cert | --key | --ca)
                    _filedir
                    return
                    ;;
                --pcap)
                    _filedir pcapng
                    return
                    ;;
                --direction)
                    COMPREPLY=($(compgen -W 'up down both' -- "$cur"))
                    return
                    ;;
                --on-target-failure)
                    COMPREPLY=($(compgen -W 'close reset' -- "$cur"))
                    return
                    ;;
                --latency | --bandwidth | --slice | --limit | --timeout-after | --slow-close | --drop | \
                    --duplicate | --reorder | --corrupt | --seed | --duration | --sni | --journal-budget) return ;;
            esac
            $split && return
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W '--udp --latency --bandwidth --slice --limit --timeout-after
                    --slow-close --drop --duplicate --reorder --corrupt --seed --direction
                    --no-reset-relay --on-target-failure --tls-client-side --cert --key --tls-target
                    --ca --insecure --sni --hex --log --quiet --stats --journal-budget --duration --pcap
                    --help' -- "$cur"))
            fi
            return
            ;;
        help)
            ((cword == 2)) && COMPREPLY=($(compgen -W 'listen connect relay' -- "$cur"))
            return
            ;;
    esac

    if ((cword == 1)); then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
        else
            # A command, or a saved session to open in the window.
            COMPREPLY=($(compgen -W 'listen connect relay help' -- "$cur"))
            _filedir sockbench
        fi
    fi
} &&
    complete -F _sockbench sockbench

# ex: filetype=sh
