from escalation_risk.cli import main

main()
