from claimscreen.flows.cli import main

main()
