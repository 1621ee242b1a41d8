from fakediscord.cli import main

main()
