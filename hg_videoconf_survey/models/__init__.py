from . import res_users, vc_endpoint, vc_mcu, vc_operator, vc_unit, vc_unit_level
