# language: zh-CN
功能: 结论不说谎 (中文, 必败语料)
  与 verdicts.feature 相同的约定: 每个场景上方的注释写明 "# must pass" 或
  "# must fail (类别): 文字"; 中文步骤的失败结论先写中文, 英文在 " | " 之后.

  背景:
    假如 终端已开机并签到

  # must fail (terminal failure): 终端失败: 终端在 pin 提示之前结束了 sale 流程, pin 未能输入
  场景: 刷芯片卡的整笔消费停在请插卡
    当 收银员完成一笔 10.00 元的消费，持卡人用卡 “unionpay-debit-chip” 并输入密码

  # must pass
  场景: 全角标点的整笔消费联机批准
    当 收银员完成一笔 10.00 元的消费，持卡人用卡 “unionpay-debit” 并输入密码
    那么 终端显示 "approved"

  # must pass
  场景: 插卡的整笔消费联机批准
    当 收银员完成一笔 10.00 元的消费, 持卡人插卡 "unionpay-debit-chip" 并输入密码
    那么 主机应答码为 "00"

  # must fail (terminal failure): 终端失败: 主机以 0210 应答, 应答码 51, 预期应答码 00 | the host answered 0210
  场景: 余额不足的消费不是 00
    假如 主机以应答码 "51" 回复下一笔消费
    当 收银员完成一笔 100.00 元的消费, 持卡人用卡 "unionpay-debit" 并输入密码
    那么 主机应答码为 "00"

  # must fail (feature mistake): 用例错误: 卡 "unionpay-debit" 的卡文件没有 contact 接口, 不能这样使用
  场景: 磁条卡不能插卡
    当 收银员发起一笔 20.00 元的消费
    而且 持卡人插卡 "unionpay-debit"

  # must fail (terminal failure): 终端失败: 本场景尚未发起交易
  场景: 没有交易就没有应答
    那么 主机应答码为 "00"

  # must fail (terminal failure): 终端失败: 终端显示过 "pin"
  场景: 要过密码的消费
    当 收银员完成一笔 10.00 元的消费, 持卡人用卡 "unionpay-debit" 并输入密码
    那么 终端未要求输入密码

  # must pass
  场景: 单据上有主机批准的凭证号和参考号
    当 收银员完成一笔 10.00 元的消费, 持卡人用卡 "unionpay-debit" 并输入密码
    那么 终端打印了 2 联单据
    而且 最后一张单据显示主机批准的凭证号
    而且 最后一张单据显示主机批准的参考号
    而且 最后一张单据不显示 "void"
