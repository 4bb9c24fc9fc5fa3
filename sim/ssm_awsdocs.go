package sim

// ssmAWSDocuments are the AWS-owned documents the stand-in starts with,
// with their real parameter names. Only parameters whose name, type and
// default are certain are listed.
func ssmAWSDocuments() []SSMDocument {
	const timeoutPattern = `([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)`
	script := func(what string) map[string]SSMParam {
		return map[string]SSMParam{
			"commands": {Type: "StringList", Required: true,
				Description: "(Required) Specify " + what + " or a command to run."},
			"workingDirectory": {Type: "String",
				Description: "(Optional) The path to the working directory on your instance."},
			"executionTimeout": {Type: "String", Default: "3600", AllowedPattern: timeoutPattern,
				Description: "(Optional) The time in seconds for a command to complete before it is considered to have failed. Default is 3600 (1 hour). Maximum is 172800 (48 hours)."},
		}
	}
	ec2 := func(verb string) map[string]SSMParam {
		return map[string]SSMParam{
			"InstanceId": {Type: "StringList", Required: true,
				Description: "(Required) EC2 Instance(s) to " + verb},
			"AutomationAssumeRole": {Type: "String",
				Description: "(Optional) The ARN of the role that allows Automation to perform the actions on your behalf."},
		}
	}
	changeState := func(name string) SSMStep { return SSMStep{Name: name, Action: "aws:changeInstanceState"} }
	return []SSMDocument{
		{Name: "AWS-RunShellScript", Type: "Command", Params: script("a shell script"),
			Description: "Run a shell script or specify the commands to run.",
			Steps:       []SSMStep{{Name: "aws:runShellScript", Action: "aws:runShellScript"}}},
		{Name: "AWS-RunPowerShellScript", Type: "Command", Params: script("a PowerShell script"),
			Description: "Run a PowerShell script or specify the paths to scripts to run.",
			Steps:       []SSMStep{{Name: "aws:runPowerShellScript", Action: "aws:runPowerShellScript"}}},
		{Name: "AWS-ConfigureAWSPackage", Type: "Command",
			Description: "Install or uninstall a Distributor package.",
			Params: map[string]SSMParam{
				"action": {Required: true, AllowedValues: []string{"Install", "Uninstall"},
					Description: "(Required) Specify whether or not to install or uninstall the package."},
				"installationType": {Default: "Uninstall and reinstall", AllowedValues: []string{"Uninstall and reinstall", "In-place update"},
					Description: "(Optional) Specify the type of installation."},
				"name":    {Required: true, Description: "(Required) The package to install/uninstall."},
				"version": {Description: "(Optional) The version of the package to install or uninstall."},
			},
			Steps: []SSMStep{{Name: "configurePackage", Action: "aws:configurePackage"}}},
		{Name: "AWS-UpdateSSMAgent", Type: "Command",
			Description: "Update the Amazon SSM Agent to the specified version.",
			Params: map[string]SSMParam{
				"version": {Description: "(Optional) The version of the Amazon SSM Agent to install. If not specified, the agent will be updated to the latest version."},
				"allowDowngrade": {Default: "false", AllowedValues: []string{"true", "false"},
					Description: "(Optional) Allow the Amazon SSM Agent service to be downgraded to an earlier version."},
			},
			Steps: []SSMStep{{Name: "aws:updateSsmAgent", Action: "aws:updateSsmAgent"}}},
		{Name: "AWS-RestartEC2Instance", Type: "Automation", Params: ec2("restart"),
			Description: "Restart EC2 instances(s)",
			Steps:       []SSMStep{changeState("stopInstances"), changeState("startInstances")}},
		{Name: "AWS-StopEC2Instance", Type: "Automation", Params: ec2("stop"),
			Description: "Stop EC2 instances(s)",
			Steps:       []SSMStep{changeState("stopInstances")}},
		{Name: "AWS-StartEC2Instance", Type: "Automation", Params: ec2("start"),
			Description: "Start EC2 instances(s)",
			Steps:       []SSMStep{changeState("startInstances")}},
	}
}
