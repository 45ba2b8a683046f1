# Writes plan.json: the bundled example. Kept so the example can be regenerated after an edit;
# the JSON is the artifact (real `terraform show -json` shape, Terraform 1.9 / format 1.2).
import json
PROV="registry.terraform.io/hashicorp/aws"
rc=[]; state_root=[]; state_mods={}
def res(addr, mod, typ, name, index, actions, before, after, reason=None, paths=None, sens_before=None, sens_after=None, unknown=None, deps=None):
    r={"address":addr}
    if mod: r["module_address"]=mod
    r.update({"mode":"managed","type":typ,"name":name})
    if index is not None: r["index"]=index
    r["provider_name"]=PROV
    ch={"actions":actions,"before":before,"after":after,"after_unknown":unknown or {},
        "before_sensitive":sens_before if sens_before is not None else ({} if before is not None else False),
        "after_sensitive":sens_after if sens_after is not None else ({} if after is not None else False)}
    if paths: ch["replace_paths"]=paths
    r["change"]=ch
    if reason: r["action_reason"]=reason
    rc.append(r)
    if before is not None:
        s={"address":addr,"mode":"managed","type":typ,"name":name}
        if index is not None: s["index"]=index
        s.update({"provider_name":PROV,"schema_version":1,"values":before,"sensitive_values":sens_before or {}})
        if deps: s["depends_on"]=deps
        state_mods.setdefault(mod or "",[]).append(s)
R=["delete","create"]
vpc_b={"arn":"arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0a1b2c3d","cidr_block":"10.0.0.0/16","enable_dns_hostnames":True,"enable_dns_support":True,"id":"vpc-0a1b2c3d","instance_tenancy":"default","tags":{"Name":"prod-main"}}
vpc_a=dict(vpc_b,cidr_block="10.20.0.0/16"); [vpc_a.pop(k) for k in ("arn","id")]
res("module.network.aws_vpc.main","module.network","aws_vpc","main",None,R,vpc_b,vpc_a,"replace_because_cannot_update",[["cidr_block"]],unknown={"arn":True,"id":True})
subs={"a":("10.0.1.0/24","10.20.1.0/24","eu-west-1a"),"b":("10.0.2.0/24","10.20.2.0/24","eu-west-1b")}
for k,(old,new,az) in subs.items():
    b={"arn":f"arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-{k}1","availability_zone":az,"cidr_block":old,"id":f"subnet-0{k}1","map_public_ip_on_launch":False,"tags":{"Name":f"prod-private-{k}"},"vpc_id":"vpc-0a1b2c3d"}
    a=dict(b,cidr_block=new); [a.pop(x) for x in ("arn","id","vpc_id")]
    res(f'module.network.aws_subnet.private["{k}"]',"module.network","aws_subnet","private",k,R,b,a,"replace_because_cannot_update",[["cidr_block"],["vpc_id"]],unknown={"arn":True,"id":True,"vpc_id":True},deps=["module.network.aws_vpc.main"])
rt_b={"id":"rtb-0aa","route":[],"tags":{"Name":"prod-private"},"vpc_id":"vpc-0a1b2c3d"}
rt_a={"route":[],"tags":{"Name":"prod-private"}}
res("module.network.aws_route_table.private","module.network","aws_route_table","private",None,R,rt_b,rt_a,"replace_because_cannot_update",[["vpc_id"]],unknown={"id":True,"vpc_id":True},deps=["module.network.aws_vpc.main"])
for k in subs:
    b={"id":f"rtbassoc-0{k}","route_table_id":"rtb-0aa","subnet_id":f"subnet-0{k}1"}
    res(f'module.network.aws_route_table_association.private["{k}"]',"module.network","aws_route_table_association","private",k,R,b,{},"replace_because_cannot_update",[["subnet_id"]],unknown={"id":True,"route_table_id":True,"subnet_id":True},deps=["module.network.aws_route_table.private","module.network.aws_subnet.private","module.network.aws_vpc.main"])
sg_b={"id":"sg-0app","name":"prod-app","description":"app servers","ingress":[{"cidr_blocks":["10.0.0.0/16"],"from_port":443,"protocol":"tcp","to_port":443}],"vpc_id":"vpc-0a1b2c3d"}
res("module.app.aws_security_group.app","module.app","aws_security_group","app",None,R,sg_b,{"name":"prod-app","description":"app servers","ingress":[{"cidr_blocks":["10.20.0.0/16"],"from_port":443,"protocol":"tcp","to_port":443}]},"replace_because_cannot_update",[["vpc_id"]],unknown={"id":True,"vpc_id":True},deps=["module.network.aws_vpc.main"])
for i in range(2):
    b={"ami":"ami-0c1c30571d2dae5c9","arn":f"arn:aws:ec2:eu-west-1:123456789012:instance/i-0app{i}","id":f"i-0app{i}","instance_type":"m6i.large","private_ip":f"10.0.{i+1}.10","subnet_id":f"subnet-0{'ab'[i]}1","tags":{"Name":f"prod-app-{i}"},"vpc_security_group_ids":["sg-0app"]}
    a={"ami":"ami-0c1c30571d2dae5c9","instance_type":"m6i.large","tags":{"Name":f"prod-app-{i}"}}
    res(f"module.app.aws_instance.app[{i}]","module.app","aws_instance","app",i,R,b,a,"replace_because_cannot_update",[["subnet_id"]],unknown={"arn":True,"id":True,"private_ip":True,"subnet_id":True,"vpc_security_group_ids":True},deps=["module.app.aws_security_group.app","module.network.aws_subnet.private","module.network.aws_vpc.main"])
lb_b={"arn":"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/prod/1","dns_name":"prod-1.eu-west-1.elb.amazonaws.com","id":"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/prod/1","internal":False,"load_balancer_type":"application","name":"prod","security_groups":["sg-0app"],"subnets":["subnet-0a1","subnet-0b1"]}
res("module.app.aws_lb.app","module.app","aws_lb","app",None,["update"],lb_b,{k:v for k,v in lb_b.items() if k not in ("security_groups","subnets")},unknown={"security_groups":True,"subnets":True},deps=["module.app.aws_security_group.app","module.network.aws_subnet.private","module.network.aws_vpc.main"])
rec_b={"fqdn":"app.example.com","id":"Z123_app.example.com_A","name":"app.example.com","type":"A","zone_id":"Z123","alias":[{"evaluate_target_health":True,"name":"prod-1.eu-west-1.elb.amazonaws.com","zone_id":"Z32O12XQLNTSW2"}]}
res("aws_route53_record.app",None,"aws_route53_record","app",None,["no-op"],rec_b,rec_b,deps=["module.app.aws_lb.app","module.app.aws_security_group.app","module.network.aws_subnet.private","module.network.aws_vpc.main"])
dsg_b={"id":"main-vpc-0a1b2c3d","name":"main-vpc-0a1b2c3d","subnet_ids":["subnet-0a1","subnet-0b1"]}
res("module.db.aws_db_subnet_group.main","module.db","aws_db_subnet_group","main",None,R,dsg_b,{},"replace_because_cannot_update",[["name"]],unknown={"id":True,"name":True,"subnet_ids":True},deps=["module.network.aws_subnet.private","module.network.aws_vpc.main"])
db_b={"address":"prod.c9xyz.eu-west-1.rds.amazonaws.com","allocated_storage":500,"arn":"arn:aws:rds:eu-west-1:123456789012:db:prod","db_subnet_group_name":"main-vpc-0a1b2c3d","engine":"postgres","engine_version":"16.3","id":"db-ABCDEFGHIJKL","identifier":"prod","instance_class":"db.r6g.xlarge","password":"PLANGUARD-EXAMPLE-SECRET-hunter2","storage_encrypted":True,"username":"app"}
db_a={k:v for k,v in db_b.items() if k not in ("address","arn","id","db_subnet_group_name")}
res("module.db.aws_db_instance.main","module.db","aws_db_instance","main",None,R,db_b,db_a,"replace_because_cannot_update",[["db_subnet_group_name"]],sens_before={"password":True},sens_after={"password":True},unknown={"address":True,"arn":True,"id":True,"db_subnet_group_name":True},deps=["module.db.aws_db_subnet_group.main","module.network.aws_subnet.private","module.network.aws_vpc.main"])
alarm_b={"alarm_name":"prod-db-cpu","dimensions":{"DBInstanceIdentifier":"prod"},"id":"prod-db-cpu","threshold":80}
res("module.db.aws_cloudwatch_metric_alarm.db_cpu","module.db","aws_cloudwatch_metric_alarm","db_cpu",None,["no-op"],alarm_b,alarm_b,deps=["module.db.aws_db_instance.main","module.db.aws_db_subnet_group.main","module.network.aws_subnet.private","module.network.aws_vpc.main"])
ssm_b={"arn":"arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/endpoint","id":"/prod/db/endpoint","name":"/prod/db/endpoint","type":"String","value":"prod.c9xyz.eu-west-1.rds.amazonaws.com"}
res("aws_ssm_parameter.db_endpoint",None,"aws_ssm_parameter","db_endpoint",None,["update"],ssm_b,{k:v for k,v in ssm_b.items() if k!="value"},unknown={"value":True},deps=["module.db.aws_db_instance.main","module.db.aws_db_subnet_group.main","module.network.aws_subnet.private","module.network.aws_vpc.main"])
bucket_b={"arn":"arn:aws:s3:::prod-assets-123456789012","bucket":"prod-assets-123456789012","id":"prod-assets-123456789012"}
res("aws_s3_bucket.assets",None,"aws_s3_bucket","assets",None,["no-op"],bucket_b,bucket_b)

def ref(*r): return {"references":list(r)}
config={"provider_config":{"aws":{"name":"aws","full_name":PROV,"expressions":{"region":{"constant_value":"eu-west-1"}}}},
 "root_module":{
  "outputs":{"app_url":{"expression":ref("aws_route53_record.app.fqdn","aws_route53_record.app")},
             "db_endpoint":{"expression":ref("module.db.endpoint","module.db"),"sensitive":False}},
  "resources":[
   {"address":"aws_route53_record.app","mode":"managed","type":"aws_route53_record","name":"app","provider_config_key":"aws","expressions":{"name":{"constant_value":"app.example.com"},"type":{"constant_value":"A"},"zone_id":{"constant_value":"Z123"},"alias":[{"name":ref("module.app.lb_dns_name","module.app"),"zone_id":ref("module.app.lb_zone_id","module.app"),"evaluate_target_health":{"constant_value":True}}]},"schema_version":2},
   {"address":"aws_s3_bucket.assets","mode":"managed","type":"aws_s3_bucket","name":"assets","provider_config_key":"aws","expressions":{"bucket":{"constant_value":"prod-assets-123456789012"}},"schema_version":0},
   {"address":"aws_ssm_parameter.db_endpoint","mode":"managed","type":"aws_ssm_parameter","name":"db_endpoint","provider_config_key":"aws","expressions":{"name":{"constant_value":"/prod/db/endpoint"},"type":{"constant_value":"String"},"value":ref("module.db.endpoint","module.db")},"schema_version":0}],
  "module_calls":{
   "network":{"source":"./modules/network","expressions":{"cidr_block":{"constant_value":"10.20.0.0/16"}},"module":{
     "outputs":{"vpc_id":{"expression":ref("aws_vpc.main.id","aws_vpc.main")},"private_subnet_ids":{"expression":ref("aws_subnet.private")}},
     "resources":[
      {"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main","provider_config_key":"aws","expressions":{"cidr_block":ref("var.cidr_block"),"enable_dns_hostnames":{"constant_value":True},"tags":{"constant_value":{"Name":"prod-main"}}},"schema_version":1},
      {"address":"aws_subnet.private","mode":"managed","type":"aws_subnet","name":"private","provider_config_key":"aws","expressions":{"vpc_id":ref("aws_vpc.main.id","aws_vpc.main"),"cidr_block":ref("var.cidr_block","each.key"),"availability_zone":ref("each.value")},"schema_version":1,"for_each_expression":ref("local.azs")},
      {"address":"aws_route_table.private","mode":"managed","type":"aws_route_table","name":"private","provider_config_key":"aws","expressions":{"vpc_id":ref("aws_vpc.main.id","aws_vpc.main")},"schema_version":0},
      {"address":"aws_route_table_association.private","mode":"managed","type":"aws_route_table_association","name":"private","provider_config_key":"aws","expressions":{"route_table_id":ref("aws_route_table.private.id","aws_route_table.private"),"subnet_id":ref("each.value.id","each.value")},"schema_version":0,"for_each_expression":ref("aws_subnet.private")}],
     "variables":{"cidr_block":{}}}},
   "app":{"source":"./modules/app","expressions":{"vpc_id":ref("module.network.vpc_id","module.network"),"subnet_ids":ref("module.network.private_subnet_ids","module.network")},"module":{
     "outputs":{"lb_dns_name":{"expression":ref("aws_lb.app.dns_name","aws_lb.app")},"lb_zone_id":{"expression":ref("aws_lb.app.zone_id","aws_lb.app")}},
     "resources":[
      {"address":"aws_instance.app","mode":"managed","type":"aws_instance","name":"app","provider_config_key":"aws","expressions":{"ami":{"constant_value":"ami-0c1c30571d2dae5c9"},"instance_type":{"constant_value":"m6i.large"},"subnet_id":ref("var.subnet_ids","count.index"),"vpc_security_group_ids":ref("aws_security_group.app.id","aws_security_group.app")},"schema_version":1,"count_expression":{"constant_value":2}},
      {"address":"aws_lb.app","mode":"managed","type":"aws_lb","name":"app","provider_config_key":"aws","expressions":{"name":{"constant_value":"prod"},"subnets":ref("var.subnet_ids"),"security_groups":ref("aws_security_group.app.id","aws_security_group.app")},"schema_version":0},
      {"address":"aws_security_group.app","mode":"managed","type":"aws_security_group","name":"app","provider_config_key":"aws","expressions":{"name":{"constant_value":"prod-app"},"vpc_id":ref("var.vpc_id")},"schema_version":1}],
     "variables":{"vpc_id":{},"subnet_ids":{}}}},
   "db":{"source":"./modules/db","expressions":{"vpc_id":ref("module.network.vpc_id","module.network"),"subnet_ids":ref("module.network.private_subnet_ids","module.network"),"password":ref("var.db_password")},"module":{
     "outputs":{"endpoint":{"expression":ref("aws_db_instance.main.address","aws_db_instance.main")}},
     "resources":[
      {"address":"aws_cloudwatch_metric_alarm.db_cpu","mode":"managed","type":"aws_cloudwatch_metric_alarm","name":"db_cpu","provider_config_key":"aws","expressions":{"alarm_name":{"constant_value":"prod-db-cpu"},"dimensions":ref("aws_db_instance.main.identifier","aws_db_instance.main")},"schema_version":1},
      {"address":"aws_db_instance.main","mode":"managed","type":"aws_db_instance","name":"main","provider_config_key":"aws","expressions":{"identifier":{"constant_value":"prod"},"engine":{"constant_value":"postgres"},"db_subnet_group_name":ref("aws_db_subnet_group.main.name","aws_db_subnet_group.main"),"password":ref("var.password")},"schema_version":2},
      {"address":"aws_db_subnet_group.main","mode":"managed","type":"aws_db_subnet_group","name":"main","provider_config_key":"aws","expressions":{"name":ref("var.vpc_id"),"subnet_ids":ref("var.subnet_ids")},"schema_version":0}],
     "variables":{"vpc_id":{},"subnet_ids":{},"password":{"sensitive":True}}}}},
  "variables":{"db_password":{"sensitive":True}}}}

# planned values: everything not deleted (values omitted here for brevity: planguard never reads them)
def planned():
    mods={}
    for r in rc:
        if r["change"]["actions"]==["delete"]: continue
        p={k:r[k] for k in ("address","mode","type","name") }
        if "index" in r: p["index"]=r["index"]
        p.update({"provider_name":PROV,"schema_version":0,"values":r["change"]["after"],"sensitive_values":r["change"]["after_sensitive"] or {}})
        mods.setdefault(r.get("module_address",""),[]).append(p)
    root={"resources":mods.pop("",[])}
    root["child_modules"]=[{"resources":v,"address":k} for k,v in sorted(mods.items())]
    return {"outputs":{"app_url":{"sensitive":False,"type":"string","value":"app.example.com"},"db_endpoint":{"sensitive":False}},"root_module":root}
prior_root={"resources":state_mods.pop("",[]),"child_modules":[{"resources":v,"address":k} for k,v in sorted(state_mods.items())]}
plan={"format_version":"1.2","terraform_version":"1.9.8",
 "variables":{"db_password":{"value":"PLANGUARD-EXAMPLE-SECRET-hunter2"}},
 "planned_values":planned(),
 "resource_changes":sorted(rc,key=lambda r:r["address"]),
 "output_changes":{"app_url":{"actions":["no-op"],"before":"app.example.com","after":"app.example.com","after_unknown":False,"before_sensitive":False,"after_sensitive":False},
                   "db_endpoint":{"actions":["update"],"before":"prod.c9xyz.eu-west-1.rds.amazonaws.com","after_unknown":True,"before_sensitive":False,"after_sensitive":False}},
 "prior_state":{"format_version":"1.0","terraform_version":"1.9.8","values":{"outputs":{},"root_module":prior_root}},
 "configuration":config,
 "timestamp":"2026-11-20T14:02:11Z","applyable":True,"complete":True,"errored":False}
json.dump(plan,open("plan.json","w"),indent=2); open("plan.json","a").write("\n")
